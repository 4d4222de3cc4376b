import { floatAttr } from '../../../../graph/attrs.js';
import { checkInferenceMode } from '../../../ops/batch_norm.js';
import type { RefKernel } from '../../../ops/types.js';
import { Tensor } from '../../../tensor.js';

/** Inference BatchNormalization: y = scale * (x - mean) / sqrt(var + eps) + B on channel dim 1. */
export const BatchNormalization: RefKernel = (node, inputs) => {
  checkInferenceMode(node);
  const [x, scale, bias, mean, variance] = inputs as [Tensor, Tensor, Tensor, Tensor, Tensor];
  const eps = floatAttr(node, 'epsilon', 1e-5);
  const c = x.dims[1] as number;
  const inner = x.dims.slice(2).reduce((a, d) => a * d, 1);
  const y = new Tensor(x.dtype, x.dims);
  const xd = x.data as Float32Array;
  const yd = y.data as Float32Array;
  for (let i = 0; i < xd.length; i++) {
    const ch = Math.floor(i / inner) % c;
    const norm = ((xd[i] as number) - mean.get(ch)) / Math.sqrt(variance.get(ch) + eps);
    yd[i] = scale.get(ch) * norm + bias.get(ch);
  }
  return [y];
};
