import { ConstantOfShape as ConstantOfShapeDef, constantValue, fillValue } from '../../../ops/constant.js';
import type { RefKernel } from '../../../ops/types.js';
import { Tensor } from '../../../tensor.js';
import { concreteShapes, copyAs } from '../indexing.js';

export const Constant: RefKernel = (node) => {
  const v = constantValue(node);
  return [copyAs(v, v.dims)];
};

export const ConstantOfShape: RefKernel = (node, inputs) => {
  const fill = fillValue(node);
  const dims = concreteShapes(ConstantOfShapeDef, node, inputs)[0] as number[];
  const out = new Tensor(fill.dtype, dims);
  (out.data as Float32Array).fill(fill.data[0] as number);
  return [out];
};
