import { ShapeError } from '../../errors.js';
import type { Dim } from '../../graph/ir.js';
import { fmt, normAxis, symDim } from './shape-utils.js';
import type { OpDef, ValueInfo } from './types.js';

/** Concat along `axis` (negative counts from the end); zero-size inputs contribute nothing. */
export const Concat: OpDef = {
  op: 'Concat',
  stem: 'concat',
  inputs: { min: 1, max: 1 << 16 },
  outputs: { min: 1, max: 1 },
  attrs: { axis: { type: 'int' } },
  inferShape(node, inputs) {
    const parts = inputs.filter((v): v is ValueInfo => v !== undefined);
    if (parts.length !== inputs.length || parts.length === 0) {
      throw new ShapeError(node.name, node.op, 'every input is required');
    }
    const first = parts[0] as ValueInfo;
    const rank = first.shape.length;
    if (rank === 0) throw new ShapeError(node.name, node.op, 'inputs must have rank >= 1, got a scalar');
    const axis = normAxis(node, node.attrs.axis as number, rank);
    const shape: Dim[] = [...first.shape];
    let total: number | undefined = 0;
    for (const p of parts) {
      if (p.dtype !== first.dtype) {
        throw new ShapeError(
          node.name,
          node.op,
          `inputs have different dtypes: ${first.dtype} vs ${p.dtype}`,
        );
      }
      if (p.shape.length !== rank) {
        throw new ShapeError(
          node.name,
          node.op,
          `inputs differ in rank: ${fmt(first.shape)} vs ${fmt(p.shape)}`,
        );
      }
      p.shape.forEach((d, i) => {
        if (i === axis) return;
        const s = shape[i] as Dim;
        if (typeof d === 'number' && typeof s === 'number' && d !== s) {
          throw new ShapeError(
            node.name,
            node.op,
            `inputs differ on axis ${i}: ${fmt(first.shape)} vs ${fmt(p.shape)} (concatenating on axis ${axis})`,
          );
        }
        if (typeof s === 'string' && typeof d === 'number') shape[i] = d;
      });
      const d = p.shape[axis];
      total = typeof d === 'number' && total !== undefined ? total + d : undefined;
    }
    shape[axis] = total ?? (parts.length === 1 ? (first.shape[axis] as Dim) : symDim(node, axis));
    return [{ dtype: first.dtype, shape }];
  },
};
