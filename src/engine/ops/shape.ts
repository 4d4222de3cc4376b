import { Tensor } from '../tensor.js';
import { req } from './shape-utils.js';
import type { OpDef, ValueInfo } from './types.js';

/** dims[start:end] with opset 15's clamping (negative counts from the end, then clamp to [0, rank]). */
export function shapeRange(rank: number, start: number, end: number | undefined): [number, number] {
  const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + rank : v, 0), rank);
  return [clamp(start), clamp(end ?? rank)];
}

/**
 * The input's dims as an int64 vector. When those dims are known the value is known too: that is
 * what lets Shape → Gather → Concat → Reshape chains fold before running.
 */
export const Shape: OpDef = {
  op: 'Shape',
  stem: 'shape',
  inputs: { min: 1, max: 1 },
  outputs: { min: 1, max: 1 },
  attrs: { start: { type: 'int', default: 0 }, end: { type: 'int', optional: true } },
  inferShape(node, inputs) {
    const x = req(node, inputs, 0);
    const [s, e] = shapeRange(
      x.shape.length,
      (node.attrs.start as number | undefined) ?? 0,
      node.attrs.end as number | undefined,
    );
    const dims = x.shape.slice(s, Math.max(s, e));
    const info: ValueInfo = { dtype: 'int64', shape: [dims.length] };
    if (dims.every((d) => typeof d === 'number'))
      info.value = Tensor.fromNumbers('int64', [dims.length], dims);
    return [info];
  },
};
