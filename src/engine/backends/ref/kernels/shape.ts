import { intAttr } from '../../../../graph/attrs.js';
import { shapeRange } from '../../../ops/shape.js';
import type { RefKernel } from '../../../ops/types.js';
import { Tensor } from '../../../tensor.js';

export const Shape: RefKernel = (node, inputs) => {
  const x = inputs[0] as Tensor;
  const end = node.attrs.end === undefined ? undefined : intAttr(node, 'end');
  const [s, e] = shapeRange(x.rank, intAttr(node, 'start', 0), end);
  const dims = x.dims.slice(s, Math.max(s, e));
  return [Tensor.fromNumbers('int64', [dims.length], dims)];
};
