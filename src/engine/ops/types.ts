import type { AttrType, AttrValue, Dim, Node } from '../../graph/ir.js';
import type { OpType } from '../../graph/op-types.js';
import type { DType, Tensor } from '../tensor.js';

/** What an op says about one attribute: its type, its default and (optionally) the values we implement. */
export interface AttrSpec {
  type: AttrType;
  /** Absent and no default → the attribute is required. */
  default?: AttrValue;
  /** For string/int attributes: the values atrous implements (others are an UnsupportedAttributeError). */
  oneOf?: readonly (string | number)[];
  /** Attribute is optional with no default (e.g. Conv kernel_shape, taken from the weight). */
  optional?: boolean;
}

/** What shape inference knows about an input: dtype, shape and, when it is a constant, its value. */
export interface ValueInfo {
  dtype: DType;
  shape: Dim[];
  /** Set when the value is known before running (initializer, Constant, folded shape math). */
  value?: Tensor;
}

/** The inferred type of one output. */
export interface OutputInfo {
  dtype: DType;
  shape: Dim[];
}

/**
 * The op-independent facts about an op: its arity, attributes, how to infer output shapes and
 * how much arithmetic it does. Kernels live per backend (src/engine/backends/<b>/kernels/<stem>.ts).
 */
export interface OpDef {
  op: OpType;
  /** File stem shared by kernels/, assembly/, src/engine/ops/, backends/ref/kernels/ and test/ops/. */
  stem: string;
  /** Number of inputs accepted (optional trailing inputs may be '' or absent). */
  inputs: { min: number; max: number };
  outputs: { min: number; max: number };
  attrs: Record<string, AttrSpec>;
  /**
   * Output dtypes and shapes. `inputs[i]` is undefined for an omitted optional input.
   * Throws ShapeError / UnsupportedAttributeError for inputs the op cannot take.
   */
  inferShape(node: Node, inputs: (ValueInfo | undefined)[]): OutputInfo[];
  /** Multiply-adds counted as 2 FLOPs; elementwise ops count one per output element. */
  flops?(node: Node, inputs: (ValueInfo | undefined)[], outputs: OutputInfo[]): number;
}

/** A reference kernel: plain TypeScript, obviously correct. `inputs[i]` is undefined when omitted. */
export type RefKernel = (node: Node, inputs: (Tensor | undefined)[]) => Tensor[];
