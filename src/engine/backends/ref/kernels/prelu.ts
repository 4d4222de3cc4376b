import { broadcastIndex } from '../../../ops/broadcast.js';
import type { RefKernel } from '../../../ops/types.js';
import { Tensor } from '../../../tensor.js';

/** y = x < 0 ? slope * x : x, slope broadcast to X's dims. */
export const PRelu: RefKernel = (_node, inputs) => {
  const x = inputs[0] as Tensor;
  const slope = inputs[1] as Tensor;
  const is = broadcastIndex(slope.dims, x.dims);
  const out = new Tensor(x.dtype, x.dims);
  const src = x.data as Float32Array;
  const s = slope.data as Float32Array;
  const dst = out.data as Float32Array;
  for (let i = 0; i < src.length; i++) {
    const v = src[i] as number;
    dst[i] = v < 0 ? (s[is[i] as number] as number) * v : v;
  }
  return [out];
};
