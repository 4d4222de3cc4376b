import type { Node } from '../../../graph/ir.js';
import type { ValueInfo } from '../../ops/types.js';
import type { Tensor } from '../../tensor.js';
import type { Kernels } from './kernels.js';
import type { WasmInstance } from './module.js';
import type { Pool } from './threads.js';
import { count, relayout, sameOrder, type Val } from './values.js';

/** One prepared step of a node: kernel calls with every pointer and size fixed at prepare time. */
export type Step = () => void;

/** What a node compiler sees: its inputs and outputs in the arena, and prepare-time allocation. */
export interface Ctx {
  readonly k: Kernels;
  readonly node: Node;
  readonly infos: ReadonlyMap<string, ValueInfo>;
  /** Input i: a run-time value, or a constant uploaded once (row-major, float32). */
  input(i: number): Val;
  /** The constant value of input i, if it is one (initializer or folded). */
  constant(i: number): Tensor | undefined;
  /** Declares output i with layout `perm` in its planned slot and returns it. */
  output(i: number, perm: readonly number[]): Val;
  /** Bytes that live as long as the session (packed weights, tap tables). */
  alloc(bytes: number): number;
  /** Copies floats into session memory once. */
  upload(data: Float32Array | Int32Array): number;
  /** One of two scratch buffers (each as large as the largest value), shared by all nodes. */
  scratch(which: 0 | 1): number;
  /** Size of each scratch buffer in bytes. */
  readonly scratchBytes: number;
  /**
   * The session's instance: its exports and allocator. A step may allocate above the arena at run
   * time (mark / alloc / release: the DenseCRF lattice, sized by the run-time image); the memory
   * grows to the largest run and is reused.
   */
  readonly instance: WasmInstance;
  /** Whether Winograd F(4×4, 3×3) may be chosen (else F(2×2, 3×3) only). */
  readonly winograd4: boolean;
  /** Threads of the session (per-thread scratch of split kernels). */
  readonly threads: number;
  /** The session's worker pool (threads > 1): for steps that run their own tasks (the CRF build). */
  readonly pool?: Pool;
  /**
   * Whether output i is read (directly or through layout-following ops) by a node that works on
   * channels-last data; false when only graph outputs and layout-following ops read it, so a node
   * free to choose should write it row-major (layout.ts).
   */
  channelsLastUse(i: number): boolean;
}

/** `v` in layout `perm`: itself when it already is, else a copy in scratch (step returned). */
export function ensureLayout(
  ctx: Ctx,
  v: Val,
  perm: readonly number[],
  which: 0 | 1,
): { val: Val; step?: Step } {
  if (sameOrder(v.perm, perm, v.dims)) return { val: v };
  const ptr = ctx.scratch(which);
  const copy = relayout(ctx.k, v, perm);
  return { val: { ...v, ptr, perm: [...perm] }, step: () => copy(ptr) };
}

export function elements(v: Val): number {
  return count(v.dims);
}

/** Steps, dropping the undefined ones. */
export function steps(...list: (Step | undefined)[]): Step[] {
  return list.filter((s): s is Step => s !== undefined);
}
