import { ShapeError } from '../../errors.js';
import { intAttr } from '../../graph/attrs.js';
import type { Dim, Node } from '../../graph/ir.js';
import { FUSED_ACTIVATION_ATTRS } from './fused.js';
import type { OpDef } from './types.js';
import { floatInput } from './window.js';

export interface GemmDims {
  m: Dim;
  k: Dim;
  n: Dim;
}

/**
 * Checks A (M, K) / B (K, N) after transA/transB and that C broadcasts one way to (M, N); returns
 * M, K, N.
 */
export function gemmDims(node: Node, a: readonly Dim[], b: readonly Dim[], c?: readonly Dim[]): GemmDims {
  if (a.length !== 2 || b.length !== 2) {
    throw new ShapeError(
      node.name,
      node.op,
      `A [${a.join(', ')}] and B [${b.join(', ')}] must both be 2-D matrices`,
    );
  }
  const transA = intAttr(node, 'transA', 0) !== 0;
  const transB = intAttr(node, 'transB', 0) !== 0;
  const [m, ka] = (transA ? [a[1], a[0]] : a) as [Dim, Dim];
  const [kb, n] = (transB ? [b[1], b[0]] : b) as [Dim, Dim];
  if (typeof ka === 'number' && typeof kb === 'number' && ka !== kb) {
    throw new ShapeError(
      node.name,
      node.op,
      `inner dims differ: A${transA ? 'ᵀ' : ''} is ${m} x ${ka} (A [${a.join(', ')}]), B${transB ? 'ᵀ' : ''} is ${kb} x ${n} (B [${b.join(', ')}])`,
    );
  }
  if (c) {
    const target = [m, n];
    const ok =
      c.length <= 2 &&
      c.every((d, i) => {
        const t = target[i + 2 - c.length] as Dim;
        return d === 1 || d === t || typeof d === 'string' || typeof t === 'string';
      });
    if (!ok) {
      throw new ShapeError(
        node.name,
        node.op,
        `C has shape [${c.join(', ')}], which does not broadcast to the output [${m}, ${n}]`,
      );
    }
  }
  return { m, k: ka, n };
}

/** Y = act(alpha * A' B' + beta * C), with A' = transA ? Aᵀ : A and C broadcast to (M, N). */
export const Gemm: OpDef = {
  op: 'Gemm',
  stem: 'gemm',
  inputs: { min: 2, max: 3 },
  outputs: { min: 1, max: 1 },
  attrs: {
    alpha: { type: 'float', default: 1 },
    beta: { type: 'float', default: 1 },
    transA: { type: 'int', default: 0, oneOf: [0, 1] },
    transB: { type: 'int', default: 0, oneOf: [0, 1] },
    ...FUSED_ACTIVATION_ATTRS,
  },
  inferShape(node, inputs) {
    const a = floatInput(node, inputs, 0, 'A');
    const b = floatInput(node, inputs, 1, 'B');
    const c = inputs[2] ? floatInput(node, inputs, 2, 'C') : undefined;
    const { m, n } = gemmDims(node, a.shape, b.shape, c?.shape);
    return [{ dtype: a.dtype, shape: [m, n] }];
  },
  flops(node, inputs) {
    const { m, k, n } = gemmDims(node, inputs[0]?.shape ?? [1, 1], inputs[1]?.shape ?? [1, 1]);
    const [M, K, N] = [m, k, n].map((d) => (typeof d === 'number' ? d : 1)) as [number, number, number];
    return 2 * M * K * N + (inputs[2] ? 2 * M * N : 0);
  },
};
