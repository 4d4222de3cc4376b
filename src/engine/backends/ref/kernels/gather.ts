import { intAttr } from '../../../../graph/attrs.js';
import { Gather as GatherDef, gatherIndices } from '../../../ops/gather.js';
import { normAxis } from '../../../ops/shape-utils.js';
import type { RefKernel } from '../../../ops/types.js';
import type { Tensor } from '../../../tensor.js';
import { around, concreteShapes, gatherElements } from '../indexing.js';

/** out[o, j, k] = data[o, indices[j], k] over the [outer, axis, inner] view of data. */
export const Gather: RefKernel = (node, inputs) => {
  const x = inputs[0] as Tensor;
  const indices = inputs[1] as Tensor;
  const dims = concreteShapes(GatherDef, node, inputs)[0] as number[];
  const axis = normAxis(node, intAttr(node, 'axis', 0), x.rank);
  const { outer, n, inner } = around(x.dims, axis);
  const picks = gatherIndices(indices, n);
  const m = picks.length;
  const source = new Int32Array(outer * m * inner);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < m; j++) {
      const idx = picks[j] as number;
      for (let k = 0; k < inner; k++) source[(o * m + j) * inner + k] = (o * n + idx) * inner + k;
    }
  }
  return [gatherElements(x, dims, source)];
};
