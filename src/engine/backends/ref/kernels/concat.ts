import { intAttr } from '../../../../graph/attrs.js';
import { Concat as ConcatDef } from '../../../ops/concat.js';
import { normAxis } from '../../../ops/shape-utils.js';
import type { RefKernel } from '../../../ops/types.js';
import { Tensor } from '../../../tensor.js';
import { concreteShapes, copyRange } from '../indexing.js';

/** Copies each input's [outer, dims[axis] * inner] block into its column range of the output. */
export const Concat: RefKernel = (node, inputs) => {
  const parts = inputs as Tensor[];
  const first = parts[0] as Tensor;
  const dims = concreteShapes(ConcatDef, node, parts)[0] as number[];
  const axis = normAxis(node, intAttr(node, 'axis'), first.rank);
  const out = new Tensor(first.dtype, dims);
  const outer = dims.slice(0, axis).reduce((a, d) => a * d, 1);
  const inner = dims.slice(axis + 1).reduce((a, d) => a * d, 1);
  const row = (dims[axis] as number) * inner;
  let offset = 0;
  for (const p of parts) {
    const chunk = (p.dims[axis] as number) * inner;
    for (let o = 0; o < outer; o++) copyRange(p.data, o * chunk, out.data, o * row + offset, chunk);
    offset += chunk;
  }
  return [out];
};
