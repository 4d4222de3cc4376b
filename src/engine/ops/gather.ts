import { ShapeError } from '../../errors.js';
import type { Tensor } from '../tensor.js';
import { checkIntInput, constInts, normAxis, req } from './shape-utils.js';
import type { OpDef, OutputInfo } from './types.js';

/**
 * Gather along `axis`: out = data[:axis] + indices.shape + data[axis+1:] (scalar indices drop the
 * axis). Negative indices count from the end; out-of-range ones are a ShapeError.
 */
export const Gather: OpDef = {
  op: 'Gather',
  stem: 'gather',
  inputs: { min: 2, max: 2 },
  outputs: { min: 1, max: 1 },
  attrs: { axis: { type: 'int', default: 0 } },
  inferShape(node, inputs): OutputInfo[] {
    const x = req(node, inputs, 0);
    const ind = req(node, inputs, 1);
    checkIntInput(node, ind, 'indices');
    const axis = normAxis(node, (node.attrs.axis as number | undefined) ?? 0, x.shape.length);
    const dim = x.shape[axis];
    const values = constInts(ind);
    if (typeof dim === 'number' && values) {
      const bad = values.find((v) => v < -dim || v >= dim);
      if (bad !== undefined) {
        throw new ShapeError(
          node.name,
          node.op,
          `index ${bad} is out of range for axis ${axis} of size ${dim}`,
        );
      }
    }
    return [{ dtype: x.dtype, shape: [...x.shape.slice(0, axis), ...ind.shape, ...x.shape.slice(axis + 1)] }];
  },
};

/** Gather's indices, flattened, with negatives counted from the end of an axis of size n. */
export function gatherIndices(indices: Tensor, n: number): number[] {
  return indices.toNumbers().map((v) => (v < 0 ? v + n : v));
}
