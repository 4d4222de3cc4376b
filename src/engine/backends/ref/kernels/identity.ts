import { checkInference } from '../../../ops/identity.js';
import type { RefKernel } from '../../../ops/types.js';
import { Tensor } from '../../../tensor.js';
import { asInfos, copyAs } from '../indexing.js';

export const Identity: RefKernel = (_node, inputs) => {
  const x = inputs[0] as Tensor;
  return [copyAs(x, x.dims)];
};

export const Dropout: RefKernel = (node, inputs) => {
  const x = inputs[0] as Tensor;
  checkInference(node, asInfos(inputs)[2]);
  const out = [copyAs(x, x.dims)];
  if (node.outputs.length > 1) out.push(new Tensor('bool', x.dims, new Uint8Array(x.size).fill(1)));
  return out;
};
