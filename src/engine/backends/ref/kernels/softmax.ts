import { intAttr } from '../../../../graph/attrs.js';
import { normAxis } from '../../../ops/shape-utils.js';
import type { RefKernel } from '../../../ops/types.js';
import { Tensor } from '../../../tensor.js';
import { around } from '../indexing.js';

/** exp(x - max) / sum over each row of n elements (stride `inner`), in doubles. */
export const Softmax: RefKernel = (node, inputs) => {
  const x = inputs[0] as Tensor;
  const axis = normAxis(node, intAttr(node, 'axis', -1), x.rank);
  const { outer, n, inner } = around(x.dims, axis, intAttr(node, 'coerce_2d', 0) === 1 ? x.rank : axis + 1);
  const src = x.data as Float32Array;
  const out = new Tensor(x.dtype, x.dims);
  const dst = out.data as Float32Array;
  const row = new Float64Array(n);
  for (let o = 0; o < outer; o++) {
    for (let k = 0; k < inner; k++) {
      const base = o * n * inner + k;
      let max = Number.NEGATIVE_INFINITY;
      for (let j = 0; j < n; j++) max = Math.max(max, src[base + j * inner] as number);
      let sum = 0;
      for (let j = 0; j < n; j++) {
        row[j] = Math.exp((src[base + j * inner] as number) - max);
        sum += row[j] as number;
      }
      for (let j = 0; j < n; j++) dst[base + j * inner] = (row[j] as number) / sum;
    }
  }
  return [out];
};
