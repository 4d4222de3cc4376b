import { ShapeError } from '../../errors.js';
import type { Dim, Node } from '../../graph/ir.js';
import type { DType } from '../tensor.js';
import type { OutputInfo, ValueInfo } from './types.js';

/** Shapes as ShapeError messages print them: [1,3,N,5]. */
export function fmt(shape: readonly Dim[]): string {
  return `[${shape.join(',')}]`;
}

/** Input i, or a ShapeError when a required input is missing. */
export function req(node: Node, inputs: readonly (ValueInfo | undefined)[], i: number): ValueInfo {
  const v = inputs[i];
  if (!v) throw new ShapeError(node.name, node.op, `input ${i} is required`);
  return v;
}

/** axis in [-rank, rank) → [0, rank). */
export function normAxis(node: Node, axis: number, rank: number, what = 'axis'): number {
  if (axis < -rank || axis >= rank) {
    throw new ShapeError(node.name, node.op, `${what} ${axis} is out of range for rank ${rank}`);
  }
  return axis < 0 ? axis + rank : axis;
}

/** Normalized axes; duplicates are a ShapeError. */
export function normAxes(node: Node, axes: readonly number[], rank: number, what = 'axes'): number[] {
  const out = axes.map((a) => normAxis(node, a, rank, what));
  if (new Set(out).size !== out.length) {
    throw new ShapeError(node.name, node.op, `${what} [${axes.join(',')}] repeat an axis`);
  }
  return out;
}

/** Integer (shape/axes/indices) inputs must be int64 or int32. */
export function checkIntInput(node: Node, info: ValueInfo, what: string): void {
  if (info.dtype !== 'int64' && info.dtype !== 'int32') {
    throw new ShapeError(node.name, node.op, `${what} must be int64 (or int32), got ${info.dtype}`);
  }
}

/** The values of a constant input, as numbers; undefined when not known before running. */
export function constInts(info: ValueInfo | undefined): number[] | undefined {
  return info?.value?.toNumbers();
}

/** Product of dims when all are known numbers. */
export function product(dims: readonly Dim[]): number | undefined {
  let n = 1;
  for (const d of dims) {
    if (typeof d !== 'number') return undefined;
    n *= d;
  }
  return n;
}

/** Fresh symbolic name for a dim this node computes but cannot know statically. */
export function symDim(node: Node, i: number, output = 0): string {
  return output === 0 ? `${node.name}_d${i}` : `${node.name}_o${output}_d${i}`;
}

/** Element count for flop estimates (symbolic dims count as 1). */
export function elementsOf(info: OutputInfo | ValueInfo | undefined): number {
  return info ? info.shape.reduce<number>((a, d) => a * (typeof d === 'number' ? d : 1), 1) : 0;
}

export const NUMERIC_DTYPES: readonly DType[] = ['float32', 'float64', 'int32', 'int64', 'int8', 'uint8'];

/** Arithmetic ops take numeric tensors (not bool). */
export function checkNumeric(node: Node, info: ValueInfo, what = 'input'): void {
  if (!NUMERIC_DTYPES.includes(info.dtype)) {
    throw new ShapeError(node.name, node.op, `${what} must be numeric, got ${info.dtype}`);
  }
}
