import { stridedIndex } from '../../../ops/broadcast.js';
import { sliceRanges } from '../../../ops/slice.js';
import type { RefKernel } from '../../../ops/types.js';
import { stridesOf, type Tensor } from '../../../tensor.js';
import { asInfos, gatherElements } from '../indexing.js';

/** A strided view: element i of each axis reads start + i * step. */
export const Slice: RefKernel = (node, inputs) => {
  const x = inputs[0] as Tensor;
  const ranges = sliceRanges(node, x.dims, asInfos(inputs));
  const strides = stridesOf(x.dims);
  const start = ranges.reduce((a, r, i) => a + r.start * (strides[i] as number), 0);
  const steps = ranges.map((r, i) => r.step * (strides[i] as number));
  const dims = ranges.map((r) => r.len);
  return [gatherElements(x, dims, stridedIndex(dims, start, steps))];
};
