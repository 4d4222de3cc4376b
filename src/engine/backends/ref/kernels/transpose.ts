import { stridedIndex } from '../../../ops/broadcast.js';
import { permOf } from '../../../ops/transpose.js';
import type { RefKernel } from '../../../ops/types.js';
import { stridesOf, type Tensor } from '../../../tensor.js';
import { gatherElements } from '../indexing.js';

/** Output axis k walks input axis perm[k]: a view with permuted strides. */
export const Transpose: RefKernel = (node, inputs) => {
  const x = inputs[0] as Tensor;
  const perm = permOf(node, x.rank);
  const strides = stridesOf(x.dims);
  const dims = perm.map((p) => x.dims[p] as number);
  return [
    gatherElements(
      x,
      dims,
      stridedIndex(
        dims,
        0,
        perm.map((p) => strides[p] as number),
      ),
    ),
  ];
};
