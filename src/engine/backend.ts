import type { Graph } from '../graph/ir.js';
import type { ValueInfo } from './ops/types.js';
import type { PrepareOptions, RunProfile } from './profile.js';
import type { Tensor } from './tensor.js';

export type BackendName = 'ref' | 'wasm' | 'webgpu';
export const BACKEND_NAMES: readonly BackendName[] = ['ref', 'wasm', 'webgpu'];

/** A graph compiled for one backend: run it as often as you like, then release it. */
export interface PreparedModel {
  run(feeds: ReadonlyMap<string, Tensor>, outputs: readonly string[]): Promise<Map<string, Tensor>>;
  release(): void;
  /** Per-node times of the last run, when prepared with `profile` (backends that can time nodes). */
  lastProfile?(): RunProfile | undefined;
  /** The exact shader text of every pipeline the model uses (GPU backends). */
  shaders?(): ShaderDump;
  /**
   * Tiered start-up (webgpu on software adapters): starts compiling the kernels the model runs
   * once warm, if its first run has not; settles when the next run uses them.
   */
  upgraded?(): Promise<void>;
}

/** Shader files by name (`<stem>-<hash>.wgsl`) and which node uses which file with which overrides. */
export interface ShaderDump {
  files: Map<string, string>;
  uses: { node: string; op: string; file: string; overrides: Record<string, number> }[];
}

/** What every backend implements. `infos` holds inferred dtype/shape (and constant values) per value. */
export interface Backend {
  readonly name: BackendName;
  prepare(
    graph: Graph,
    infos: ReadonlyMap<string, ValueInfo>,
    options?: PrepareOptions,
  ): Promise<PreparedModel>;
}
