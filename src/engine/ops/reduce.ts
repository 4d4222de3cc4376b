import { ShapeError } from '../../errors.js';
import type { Node } from '../../graph/ir.js';
import type { OpType } from '../../graph/op-types.js';
import { checkIntInput, checkNumeric, constInts, elementsOf, normAxes, req, symDim } from './shape-utils.js';
import type { OpDef, OutputInfo, ValueInfo } from './types.js';

/**
 * The reduced axes: attribute `axes` (before opset 18) or input (from 18); none/empty means all
 * axes, or no reduction at all with noop_with_empty_axes = 1. undefined: not known before running.
 */
export function reducedAxes(
  node: Node,
  inputs: (ValueInfo | undefined)[],
  rank: number,
): number[] | undefined {
  let axes = node.attrs.axes as number[] | undefined;
  if (axes === undefined && inputs[1]) {
    checkIntInput(node, inputs[1], 'axes');
    axes = constInts(inputs[1]);
    if (!axes) return undefined;
  }
  if (!axes || axes.length === 0) {
    return node.attrs.noop_with_empty_axes === 1 ? [] : Array.from({ length: rank }, (_, i) => i);
  }
  return normAxes(node, axes, rank);
}

function reduce(op: OpType & ('ReduceMean' | 'ReduceMax')): OpDef {
  return {
    op,
    stem: 'reduce',
    inputs: { min: 1, max: 2 },
    outputs: { min: 1, max: 1 },
    attrs: {
      axes: { type: 'ints', optional: true },
      keepdims: { type: 'int', default: 1, oneOf: [0, 1] },
      noop_with_empty_axes: { type: 'int', default: 0, oneOf: [0, 1] },
    },
    inferShape(node, inputs): OutputInfo[] {
      const x = req(node, inputs, 0);
      checkNumeric(node, x);
      const keep = node.attrs.keepdims !== 0;
      const axes = reducedAxes(node, inputs, x.shape.length);
      if (!axes) {
        if (!keep) throw new ShapeError(node.name, node.op, 'axes must be constant when keepdims = 0');
        return [{ dtype: x.dtype, shape: x.shape.map((_, i) => symDim(node, i)) }];
      }
      if (axes.length === 0) return [{ dtype: x.dtype, shape: [...x.shape] }];
      const shape = keep
        ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d))
        : x.shape.filter((_, i) => !axes.includes(i));
      return [{ dtype: x.dtype, shape }];
    },
    flops: (_node, inputs) => elementsOf(inputs[0]),
  };
}

export const ReduceMean = reduce('ReduceMean');
export const ReduceMax = reduce('ReduceMax');
