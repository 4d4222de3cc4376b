import {
  Flatten as FlattenDef,
  Reshape as ReshapeDef,
  Squeeze as SqueezeDef,
  Unsqueeze as UnsqueezeDef,
} from '../../../ops/reshape.js';
import type { OpDef, RefKernel } from '../../../ops/types.js';
import type { Tensor } from '../../../tensor.js';
import { concreteShapes, copyAs } from '../indexing.js';

/** Same elements, new dims (computed by the op's shape inference on the concrete inputs). */
function relabel(def: OpDef): RefKernel {
  return (node, inputs) => [copyAs(inputs[0] as Tensor, concreteShapes(def, node, inputs)[0] as number[])];
}

export const Reshape = relabel(ReshapeDef);
export const Flatten = relabel(FlattenDef);
export const Squeeze = relabel(SqueezeDef);
export const Unsqueeze = relabel(UnsqueezeDef);
