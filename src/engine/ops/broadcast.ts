import { ShapeError } from '../../errors.js';
import type { Dim, Node } from '../../graph/ir.js';
import { sizeOf } from '../tensor.js';
import { fmt, symDim } from './shape-utils.js';

/**
 * Multidirectional (numpy) broadcasting of two shapes, aligned at the right. Symbolic dims pass
 * through where the other side is 1 or the same name; two different names give a fresh name.
 * A mismatch is a ShapeError naming both shapes.
 */
export function broadcastShape(node: Node, a: readonly Dim[], b: readonly Dim[]): Dim[] {
  const rank = Math.max(a.length, b.length);
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    const x = a[i - (rank - a.length)] ?? 1;
    const y = b[i - (rank - b.length)] ?? 1;
    if (x === y || y === 1) out.push(x);
    else if (x === 1) out.push(y);
    else if (typeof x === 'number' && typeof y === 'number') {
      throw new ShapeError(
        node.name,
        node.op,
        `cannot broadcast shapes ${fmt(a)} and ${fmt(b)}: dim ${i} of the result is ${x} vs ${y}`,
      );
    } else if (typeof x === 'number') out.push(x);
    else if (typeof y === 'number') out.push(y);
    else out.push(symDim(node, i));
  }
  return out;
}

/** Broadcasts any number of shapes (left to right). */
export function broadcastShapes(node: Node, shapes: readonly (readonly Dim[])[]): Dim[] {
  return shapes.reduce<Dim[]>((acc, s) => broadcastShape(node, acc, s), []);
}

/** Broadcast of two concrete shapes (for kernels, where a mismatch can still show up at run time). */
export function broadcastDims(node: Node, a: readonly number[], b: readonly number[]): number[] {
  return broadcastShape(node, a, b) as number[];
}

/**
 * For every flat index of a tensor of dims `outDims`, the flat index of the element of a tensor of
 * dims `inDims` that broadcasting reads. `inDims` must broadcast to `outDims`.
 */
export function broadcastIndex(inDims: readonly number[], outDims: readonly number[]): Int32Array {
  const offset = outDims.length - inDims.length;
  // Input strides aligned with the output's axes; 0 where the input is broadcast.
  const steps = new Array<number>(outDims.length).fill(0);
  let acc = 1;
  for (let i = inDims.length - 1; i >= 0; i--) {
    const d = inDims[i] as number;
    steps[i + offset] = d === 1 ? 0 : acc;
    acc *= d;
  }
  return stridedIndex(outDims, 0, steps);
}

/**
 * For every flat index of a tensor of dims `outDims` (multi-index i), the source index
 * start + sum(i[a] * steps[a]): a strided view (broadcast, Slice, Transpose with permuted strides).
 */
export function stridedIndex(
  outDims: readonly number[],
  start: number,
  steps: readonly number[],
): Int32Array {
  const rank = outDims.length;
  const map = new Int32Array(sizeOf(outDims));
  const idx = new Array<number>(rank).fill(0);
  let src = start;
  for (let o = 0; o < map.length; o++) {
    map[o] = src;
    // Odometer increment of the output index, keeping `src` in step.
    for (let k = rank - 1; k >= 0; k--) {
      idx[k] = (idx[k] as number) + 1;
      src += steps[k] as number;
      if ((idx[k] as number) < (outDims[k] as number)) break;
      src -= (steps[k] as number) * (outDims[k] as number);
      idx[k] = 0;
    }
  }
  return map;
}
