import { ShapeError } from '../../errors.js';
import type { Dim, Node } from '../../graph/ir.js';
import { broadcastShape } from './broadcast.js';
import type { OpDef } from './types.js';
import { elementCount, floatInput } from './window.js';

export interface MatMulShape {
  /** Broadcast batch dims. */
  batch: Dim[];
  m: Dim;
  k: Dim;
  n: Dim;
  /** Output shape (1-D operands drop their added axis, as numpy does). */
  out: Dim[];
}

/**
 * numpy matmul shapes: 1-D A is a row (1, K), 1-D B a column (K, 1) and the added axis is dropped
 * from the result; leading (batch) dims broadcast.
 */
export function matmulShape(node: Node, a: readonly Dim[], b: readonly Dim[]): MatMulShape {
  if (a.length === 0 || b.length === 0) {
    throw new ShapeError(
      node.name,
      node.op,
      `operands must have rank >= 1, got [${a.join(', ')}] and [${b.join(', ')}]`,
    );
  }
  const a2 = a.length === 1 ? [1, a[0] as Dim] : a;
  const b2 = b.length === 1 ? [b[0] as Dim, 1] : b;
  const m = a2[a2.length - 2] as Dim;
  const ka = a2[a2.length - 1] as Dim;
  const kb = b2[b2.length - 2] as Dim;
  const n = b2[b2.length - 1] as Dim;
  if (typeof ka === 'number' && typeof kb === 'number' && ka !== kb) {
    throw new ShapeError(
      node.name,
      node.op,
      `inner dims differ: A [${a.join(', ')}] has K = ${ka}, B [${b.join(', ')}] has K = ${kb}`,
    );
  }
  const batch = broadcastShape(node, a2.slice(0, -2), b2.slice(0, -2));
  const out = [...batch, ...(a.length === 1 ? [] : [m]), ...(b.length === 1 ? [] : [n])];
  return { batch, m, k: typeof ka === 'number' ? ka : kb, n, out };
}

export const MatMul: OpDef = {
  op: 'MatMul',
  stem: 'matmul',
  inputs: { min: 2, max: 2 },
  outputs: { min: 1, max: 1 },
  attrs: {},
  inferShape(node, inputs) {
    const a = floatInput(node, inputs, 0, 'A');
    const b = floatInput(node, inputs, 1, 'B');
    if (a.dtype !== b.dtype) {
      throw new ShapeError(node.name, node.op, `A is ${a.dtype} but B is ${b.dtype}`);
    }
    return [{ dtype: a.dtype, shape: matmulShape(node, a.shape, b.shape).out }];
  },
  flops(node, inputs) {
    const s = matmulShape(node, inputs[0]?.shape ?? [1], inputs[1]?.shape ?? [1]);
    return 2 * elementCount([...s.batch, s.m, s.k, s.n]);
  },
};
