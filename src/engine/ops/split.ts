import { ShapeError, UnsupportedAttributeError } from '../../errors.js';
import type { Dim, Node } from '../../graph/ir.js';
import { checkIntInput, constInts, fmt, normAxis, req, symDim } from './shape-utils.js';
import type { OpDef, OutputInfo, ValueInfo } from './types.js';

/**
 * Sizes of the parts along the axis: `split` (attribute before opset 13, input from 13), else
 * num_outputs (opset 18: chunks of ceil(dim / n), the last one smaller), else equal parts, one per
 * output. undefined where the size is not known before running.
 */
function partSizes(node: Node, dim: Dim, splitInput: ValueInfo | undefined): (number | undefined)[] {
  const n = node.outputs.length;
  let sizes: number[] | undefined;
  if (node.attrs.split !== undefined) sizes = node.attrs.split as number[];
  else if (splitInput) {
    checkIntInput(node, splitInput, 'split');
    sizes = constInts(splitInput);
    if (!sizes) return new Array<undefined>(n).fill(undefined);
  }
  if (sizes) {
    if (sizes.length !== n || sizes.some((s) => s < 0)) {
      throw new ShapeError(node.name, node.op, `split [${sizes.join(',')}] does not give ${n} sizes >= 0`);
    }
    const sum = sizes.reduce((a, b) => a + b, 0);
    if (typeof dim === 'number' && sum !== dim) {
      throw new ShapeError(
        node.name,
        node.op,
        `split [${sizes.join(',')}] sums to ${sum}, the axis has ${dim}`,
      );
    }
    return sizes;
  }
  if (typeof dim !== 'number') return new Array<undefined>(n).fill(undefined);
  if (node.attrs.num_outputs !== undefined) {
    if (node.attrs.num_outputs !== n) {
      throw new UnsupportedAttributeError(
        node.name,
        node.op,
        'num_outputs',
        `is ${node.attrs.num_outputs}, the node has ${n} outputs`,
      );
    }
    const chunk = Math.ceil(dim / n);
    const last = dim - chunk * (n - 1);
    if (last < 0)
      throw new ShapeError(node.name, node.op, `cannot split an axis of ${dim} into ${n} chunks of ${chunk}`);
    return [...new Array<number>(n - 1).fill(chunk), last];
  }
  if (dim % n !== 0) {
    throw new ShapeError(
      node.name,
      node.op,
      `cannot split an axis of ${dim} into ${n} equal parts (give 'split')`,
    );
  }
  return new Array<number>(n).fill(dim / n);
}

export const Split: OpDef = {
  op: 'Split',
  stem: 'split',
  inputs: { min: 1, max: 2 },
  outputs: { min: 1, max: 1 << 16 },
  attrs: {
    axis: { type: 'int', default: 0 },
    split: { type: 'ints', optional: true },
    num_outputs: { type: 'int', optional: true },
  },
  inferShape(node, inputs): OutputInfo[] {
    const x = req(node, inputs, 0);
    if (x.shape.length === 0)
      throw new ShapeError(node.name, node.op, `cannot split a scalar ${fmt(x.shape)}`);
    const axis = normAxis(
      node,
      node.attrs.axis === undefined ? 0 : (node.attrs.axis as number),
      x.shape.length,
    );
    return partSizes(node, x.shape[axis] as Dim, inputs[1]).map((size, k) => {
      const shape = [...x.shape];
      shape[axis] = size ?? symDim(node, axis, k);
      return { dtype: x.dtype, shape };
    });
  },
};
