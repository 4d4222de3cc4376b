import type { Graph } from '../graph/ir.js';
import type { ValueInfo } from './ops/types.js';
import type { Tensor } from './tensor.js';

export type BackendName = 'ref' | 'wasm' | 'webgpu';
export const BACKEND_NAMES: readonly BackendName[] = ['ref', 'wasm', 'webgpu'];

/** A graph compiled for one backend: run it as often as you like, then release it. */
export interface PreparedModel {
  run(feeds: ReadonlyMap<string, Tensor>, outputs: readonly string[]): Promise<Map<string, Tensor>>;
  release(): void;
}

/** What every backend implements. `infos` holds inferred dtype/shape (and constant values) per value. */
export interface Backend {
  readonly name: BackendName;
  prepare(graph: Graph, infos: ReadonlyMap<string, ValueInfo>): Promise<PreparedModel>;
}
