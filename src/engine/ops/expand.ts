import { ShapeError } from '../../errors.js';
import type { Dim } from '../../graph/ir.js';
import { broadcastShape } from './broadcast.js';
import { checkIntInput, constInts, fmt, req, symDim } from './shape-utils.js';
import type { OpDef, OutputInfo } from './types.js';

/** Expand: the input broadcast (both ways, numpy rules) with the target shape. */
export const Expand: OpDef = {
  op: 'Expand',
  stem: 'expand',
  inputs: { min: 2, max: 2 },
  outputs: { min: 1, max: 1 },
  attrs: {},
  inferShape(node, inputs): OutputInfo[] {
    const x = req(node, inputs, 0);
    const s = req(node, inputs, 1);
    checkIntInput(node, s, 'shape');
    const target = constInts(s);
    if (target) {
      if (target.some((d) => d < 0))
        throw new ShapeError(node.name, node.op, `negative dim in shape ${fmt(target)}`);
      return [{ dtype: x.dtype, shape: broadcastShape(node, x.shape, target) }];
    }
    const k = s.shape[0];
    if (s.shape.length !== 1 || typeof k !== 'number') {
      throw new ShapeError(
        node.name,
        node.op,
        `shape input must be 1-D of known length, got ${fmt(s.shape)}`,
      );
    }
    // Target unknown: a dim of x other than 1 survives; the rest are fresh.
    const rank = Math.max(k, x.shape.length);
    const shape: Dim[] = Array.from({ length: rank }, (_, i) => {
      const d = x.shape[i - (rank - x.shape.length)];
      return d !== undefined && d !== 1 ? d : symDim(node, i);
    });
    return [{ dtype: x.dtype, shape }];
  },
};
