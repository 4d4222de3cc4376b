import { ShapeError, UnsupportedAttributeError } from '../../errors.js';
import type { Node } from '../../graph/ir.js';
import { Tensor } from '../tensor.js';
import { checkIntInput, constInts, fmt, req, symDim } from './shape-utils.js';
import type { OpDef, OutputInfo, ValueInfo } from './types.js';

const VALUE_ATTRS = ['value', 'value_float', 'value_floats', 'value_int', 'value_ints'] as const;

/** The tensor a Constant node holds: exactly one of its value attributes. */
export function constantValue(node: Node): Tensor {
  const set = VALUE_ATTRS.filter((a) => node.attrs[a] !== undefined);
  if (set.length !== 1) {
    const problem = set.length
      ? `conflicts with '${set[0]}': exactly one of ${VALUE_ATTRS.join(', ')} may be set`
      : `is required (or one of ${VALUE_ATTRS.slice(1).join(', ')})`;
    throw new UnsupportedAttributeError(node.name, node.op, set[1] ?? 'value', problem);
  }
  const v = node.attrs[set[0] as string];
  switch (set[0]) {
    case 'value':
      return v as Tensor;
    case 'value_float':
      return Tensor.scalar('float32', v as number);
    case 'value_int':
      return Tensor.scalar('int64', v as number);
    case 'value_floats':
      return Tensor.fromNumbers('float32', [(v as number[]).length], v as number[]);
    default:
      return Tensor.fromNumbers('int64', [(v as number[]).length], v as number[]);
  }
}

/** Constant: a value attribute (sparse_value and strings are not implemented, so not declared). */
export const Constant: OpDef = {
  op: 'Constant',
  stem: 'constant',
  inputs: { min: 0, max: 0 },
  outputs: { min: 1, max: 1 },
  attrs: {
    value: { type: 'tensor', optional: true },
    value_float: { type: 'float', optional: true },
    value_floats: { type: 'floats', optional: true },
    value_int: { type: 'int', optional: true },
    value_ints: { type: 'ints', optional: true },
  },
  inferShape(node) {
    const value = constantValue(node);
    const info: ValueInfo = { dtype: value.dtype, shape: [...value.dims], value };
    return [info];
  },
};

/** The fill value of ConstantOfShape: a one-element tensor, float32 0 by default. */
export function fillValue(node: Node): Tensor {
  const v = node.attrs.value;
  if (v === undefined) return Tensor.scalar('float32', 0);
  if (!(v instanceof Tensor) || v.size !== 1) {
    throw new UnsupportedAttributeError(
      node.name,
      node.op,
      'value',
      'must be a tensor of exactly one element',
    );
  }
  return v;
}

export const ConstantOfShape: OpDef = {
  op: 'ConstantOfShape',
  stem: 'constant',
  inputs: { min: 1, max: 1 },
  outputs: { min: 1, max: 1 },
  attrs: { value: { type: 'tensor', optional: true } },
  inferShape(node, inputs): OutputInfo[] {
    const s = req(node, inputs, 0);
    checkIntInput(node, s, 'input');
    const dtype = fillValue(node).dtype;
    const dims = constInts(s);
    if (dims) {
      if (dims.some((d) => d < 0))
        throw new ShapeError(node.name, node.op, `negative dim in shape [${dims.join(',')}]`);
      return [{ dtype, shape: dims }];
    }
    const k = s.shape[0];
    if (s.shape.length !== 1 || typeof k !== 'number') {
      throw new ShapeError(
        node.name,
        node.op,
        `shape input must be 1-D of known length, got ${fmt(s.shape)}`,
      );
    }
    return [{ dtype, shape: Array.from({ length: k }, (_, i) => symDim(node, i)) }];
  },
};
