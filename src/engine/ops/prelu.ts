import { ShapeError } from '../../errors.js';
import { elementsOf, fmt, req } from './shape-utils.js';
import type { OpDef } from './types.js';

/** PRelu: y = x < 0 ? slope * x : x, slope broadcast unidirectionally to X. */
export const PRelu: OpDef = {
  op: 'PRelu',
  stem: 'prelu',
  inputs: { min: 2, max: 2 },
  outputs: { min: 1, max: 1 },
  attrs: {},
  inferShape(node, inputs) {
    const x = req(node, inputs, 0);
    const slope = req(node, inputs, 1);
    if (x.dtype !== 'float32' && x.dtype !== 'float64') {
      throw new ShapeError(node.name, node.op, `input must be float32, got ${x.dtype}`);
    }
    if (slope.dtype !== x.dtype) {
      throw new ShapeError(node.name, node.op, `slope is ${slope.dtype}, X is ${x.dtype}`);
    }
    const offset = x.shape.length - slope.shape.length;
    const fits =
      offset >= 0 &&
      slope.shape.every((d, i) => {
        const xd = x.shape[i + offset];
        return d === 1 || d === xd || typeof d === 'string' || typeof xd === 'string';
      });
    if (!fits) {
      throw new ShapeError(
        node.name,
        node.op,
        `slope ${fmt(slope.shape)} does not broadcast to X ${fmt(x.shape)} (unidirectionally)`,
      );
    }
    return [{ dtype: x.dtype, shape: [...x.shape] }];
  },
  flops: (_node, _inputs, outputs) => elementsOf(outputs[0]),
};
