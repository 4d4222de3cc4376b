import { floatAttr, intAttr } from '../../../../graph/attrs.js';
import { broadcastIndex } from '../../../ops/broadcast.js';
import { fusedActivation } from '../../../ops/fused.js';
import { gemmDims } from '../../../ops/gemm.js';
import type { RefKernel } from '../../../ops/types.js';
import { Tensor } from '../../../tensor.js';

/** Y[i,j] = act(alpha * sum_k A'[i,k] B'[k,j] + beta * C[i,j] (broadcast)). */
export const Gemm: RefKernel = (node, inputs) => {
  const [a, b, c] = inputs as [Tensor, Tensor, Tensor | undefined];
  const { m, k, n } = gemmDims(node, a.dims, b.dims, c?.dims) as { m: number; k: number; n: number };
  const transA = intAttr(node, 'transA', 0) !== 0;
  const transB = intAttr(node, 'transB', 0) !== 0;
  const alpha = floatAttr(node, 'alpha', 1);
  const beta = floatAttr(node, 'beta', 1);
  const act = fusedActivation(node);
  const ad = a.data as Float32Array;
  const bd = b.data as Float32Array;
  const cIndex = c ? broadcastIndex(c.dims, [m, n]) : undefined;
  const y = new Tensor(a.dtype, [m, n]);
  const yd = y.data as Float32Array;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let acc = 0;
      for (let p = 0; p < k; p++) {
        const av = ad[transA ? p * m + i : i * k + p] as number;
        const bv = bd[transB ? j * k + p : p * n + j] as number;
        acc += av * bv;
      }
      let v = alpha * acc;
      if (c && cIndex) v += beta * c.get(cIndex[i * n + j] as number);
      yd[i * n + j] = act ? act(v) : v;
    }
  }
  return [y];
};
