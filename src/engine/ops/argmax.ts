import { ShapeError } from '../../errors.js';
import { checkNumeric, elementsOf, normAxis, req } from './shape-utils.js';
import type { OpDef, OutputInfo } from './types.js';

/** Index of the largest element along `axis` (first one, or last with select_last_index = 1); int64. */
export const ArgMax: OpDef = {
  op: 'ArgMax',
  stem: 'argmax',
  inputs: { min: 1, max: 1 },
  outputs: { min: 1, max: 1 },
  attrs: {
    axis: { type: 'int', default: 0 },
    keepdims: { type: 'int', default: 1, oneOf: [0, 1] },
    select_last_index: { type: 'int', default: 0, oneOf: [0, 1] },
  },
  inferShape(node, inputs): OutputInfo[] {
    const x = req(node, inputs, 0);
    checkNumeric(node, x);
    const axis = normAxis(node, (node.attrs.axis as number | undefined) ?? 0, x.shape.length);
    if (x.shape[axis] === 0) throw new ShapeError(node.name, node.op, `axis ${axis} is empty: no maximum`);
    const shape =
      node.attrs.keepdims === 0
        ? x.shape.filter((_, i) => i !== axis)
        : x.shape.map((d, i) => (i === axis ? 1 : d));
    return [{ dtype: 'int64', shape }];
  },
  flops: (_node, inputs) => elementsOf(inputs[0]),
};
