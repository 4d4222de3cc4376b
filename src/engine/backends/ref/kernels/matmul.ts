import { broadcastIndex } from '../../../ops/broadcast.js';
import { matmulShape } from '../../../ops/matmul.js';
import type { RefKernel } from '../../../ops/types.js';
import { Tensor } from '../../../tensor.js';

/** numpy matmul: batched (broadcast) matrix products; 1-D operands are a row / a column. */
export const MatMul: RefKernel = (node, inputs) => {
  const [a, b] = inputs as [Tensor, Tensor];
  const s = matmulShape(node, a.dims, b.dims);
  const [m, k, n] = [s.m, s.k, s.n] as [number, number, number];
  const batch = s.batch as number[];
  // Batch dims of each operand (1-D operands have none), mapped onto the broadcast batch.
  const aBatch = a.dims.slice(0, -2);
  const bBatch = b.dims.slice(0, -2);
  const aMap = broadcastIndex(aBatch, batch);
  const bMap = broadcastIndex(bBatch, batch);
  const ad = a.data as Float32Array;
  const bd = b.data as Float32Array;
  const y = new Tensor(a.dtype, s.out as number[]);
  const yd = y.data as Float32Array;
  for (let t = 0; t < aMap.length; t++) {
    const aOff = (aMap[t] as number) * m * k;
    const bOff = (bMap[t] as number) * k * n;
    const yOff = t * m * n;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let acc = 0;
        for (let p = 0; p < k; p++)
          acc += (ad[aOff + i * k + p] as number) * (bd[bOff + p * n + j] as number);
        yd[yOff + i * n + j] = acc;
      }
    }
  }
  return [y];
};
