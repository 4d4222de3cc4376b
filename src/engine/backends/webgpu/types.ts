import { UnsupportedOpError } from '../../../errors.js';
import type { Node } from '../../../graph/ir.js';
import type { DType, Tensor } from '../../tensor.js';
import type { GpuContext } from './device.js';

/** Invocations per workgroup of every dispatch (each kernel's `WG` override, set by the executor). */
export const WG = 64;

/** What a kernel binds after the uniform block (binding 0), in binding order. */
export type Binding =
  /** A graph value: runtime input, intermediate, output or initializer. */
  | { kind: 'value'; name: string }
  /** Host-prepared constant data (packed weights, tap tables), uploaded once at prepare. */
  | { kind: 'data'; data: Float32Array | Uint32Array; label: string };

/** One compute dispatch of a kernel family (kernels/<stem>.wgsl, entry point `main`). */
export interface DispatchStep {
  kind: 'dispatch';
  stem: string;
  overrides: Record<string, number | boolean>;
  uniforms: ArrayBuffer;
  bindings: Binding[];
  /** Invocations (one per output element or block); folded into a 2-D dispatch when large. */
  invocations: number;
  /**
   * Tiered start-up: a step with the same effect that runs faster but whose pipeline compiles
   * slower. The session runs this step until `upgrade`'s pipeline is compiled (asked for after the
   * first run), then `upgrade` (at once where the device has already compiled it).
   */
  upgrade?: DispatchStep;
}

/** A buffer-to-buffer copy (reshape family, Identity): no kernel needed. */
export interface CopyStep {
  kind: 'copy';
  src: string;
  dst: string;
  bytes: number;
}

/**
 * Work done on the host between GPU steps (DenseCRF: its lattice depends on the run-time image).
 * The executor submits what is recorded so far, reads `inputs` back, awaits `run` and writes the
 * result into `output`'s buffer, then records the remaining steps in a new encoder.
 */
export interface HostStep {
  kind: 'host';
  inputs: { name: string; dtype: DType; dims: number[] }[];
  output: string;
  /** Same device as the session: host functions may run their own GPU work on it. */
  run(inputs: Tensor[], gpu: GpuContext): Promise<Tensor>;
}

export type Step = DispatchStep | CopyStep | HostStep;

/** What a lowering can ask about the graph: concrete dims and constant values. */
export interface LowerContext {
  dims(name: string): number[];
  dtype(name: string): string;
  /** The value when it is known at prepare (initializer, folded constant), else undefined. */
  constant(name: string): Tensor | undefined;
  /** Optional device features the kernels may use ('subgroups'); lowerings pick a fallback without them. */
  features: ReadonlySet<string>;
  /** A software adapter (shaders on the CPU): few, fat invocations pay; a GPU wants many thin ones. */
  software: boolean;
  /** On a software adapter, convs of at most this many output pixels run on conv_pixel (FEW_PIXELS). */
  fewPixels: number;
  /** Lowerings may give steps an `upgrade` (software adapters, unprofiled sessions). */
  tiered: boolean;
  /** Conv features the model's convs can use (conv-features.ts): the FEAT of its conv pipelines. */
  convFeatures: number;
}

/** Turns one node into GPU steps; throws a typed error for what the WGSL kernels cannot do. */
export type Lowering = (node: Node, ctx: LowerContext) => Step[];

/** Number of elements of dims. */
export function count(dims: readonly number[]): number {
  return dims.reduce((a, d) => a * d, 1);
}

/** An op (or one configuration of it) that has no WGSL kernel: prepare fails, no CPU fallback. */
export class WebGpuUnsupportedError extends UnsupportedOpError {
  constructor(node: Node, what: string, supported: readonly string[] = []) {
    super(node.name, node.op, supported);
    this.message = `node '${node.name}' (${node.op}): the webgpu backend cannot run this: ${what}; use --backend ref or wasm for this model`;
  }
}
