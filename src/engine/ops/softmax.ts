import { ShapeError } from '../../errors.js';
import { elementsOf, normAxis, req } from './shape-utils.js';
import type { OpDef, OutputInfo } from './types.js';

/**
 * Softmax along `axis` (default -1, opset 13). With coerce_2d = 1 (set by the importer on models
 * before opset 13) it is taken over all the dims from `axis` on, as one flattened row.
 */
export const Softmax: OpDef = {
  op: 'Softmax',
  stem: 'softmax',
  inputs: { min: 1, max: 1 },
  outputs: { min: 1, max: 1 },
  attrs: {
    axis: { type: 'int', default: -1 },
    coerce_2d: { type: 'int', default: 0, oneOf: [0, 1] },
  },
  inferShape(node, inputs): OutputInfo[] {
    const x = req(node, inputs, 0);
    if (x.dtype !== 'float32' && x.dtype !== 'float64') {
      throw new ShapeError(node.name, node.op, `input must be float32, got ${x.dtype}`);
    }
    normAxis(node, (node.attrs.axis as number | undefined) ?? -1, x.shape.length);
    return [{ dtype: x.dtype, shape: [...x.shape] }];
  },
  // max, subtract + exp, sum, divide.
  flops: (_node, _inputs, outputs) => 4 * elementsOf(outputs[0]),
};
