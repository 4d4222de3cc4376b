import { intAttr } from '../../../../graph/attrs.js';
import { normAxis } from '../../../ops/shape-utils.js';
import { Split as SplitDef } from '../../../ops/split.js';
import type { RefKernel } from '../../../ops/types.js';
import { Tensor } from '../../../tensor.js';
import { concreteShapes, copyRange } from '../indexing.js';

/** Each output takes the next dims[axis] slab of every outer row. */
export const Split: RefKernel = (node, inputs) => {
  const x = inputs[0] as Tensor;
  const axis = normAxis(node, intAttr(node, 'axis', 0), x.rank);
  const outer = x.dims.slice(0, axis).reduce((a, d) => a * d, 1);
  const inner = x.dims.slice(axis + 1).reduce((a, d) => a * d, 1);
  const row = (x.dims[axis] as number) * inner;
  let offset = 0;
  return concreteShapes(SplitDef, node, inputs).map((dims) => {
    const out = new Tensor(x.dtype, dims);
    const chunk = (dims[axis] as number) * inner;
    for (let o = 0; o < outer; o++) copyRange(x.data, o * row + offset, out.data, o * chunk, chunk);
    offset += chunk;
    return out;
  });
};
