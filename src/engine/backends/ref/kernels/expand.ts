import { broadcastIndex } from '../../../ops/broadcast.js';
import { Expand as ExpandDef } from '../../../ops/expand.js';
import type { RefKernel } from '../../../ops/types.js';
import type { Tensor } from '../../../tensor.js';
import { concreteShapes, gatherElements } from '../indexing.js';

export const Expand: RefKernel = (node, inputs) => {
  const x = inputs[0] as Tensor;
  const dims = concreteShapes(ExpandDef, node, inputs)[0] as number[];
  return [gatherElements(x, dims, broadcastIndex(x.dims, dims))];
};
