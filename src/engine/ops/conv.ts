import { ShapeError, UnsupportedAttributeError } from '../../errors.js';
import { intAttr } from '../../graph/attrs.js';
import type { Dim, Graph, Node } from '../../graph/ir.js';
import { FUSED_ACTIVATION_ATTRS } from './fused.js';
import type { OpDef, ValueInfo } from './types.js';
import {
  checkWeightRank,
  elementCount,
  floatInput,
  readWindow,
  spatialRank,
  WINDOW_ATTRS,
  type Window,
  windowDims,
} from './window.js';

export interface ConvShape {
  window: Window;
  group: number;
  out: Dim[];
}

/** `group` attribute, checked to be >= 1. */
export function groupOf(node: Node): number {
  const group = intAttr(node, 'group', 1);
  if (group < 1) throw new UnsupportedAttributeError(node.name, node.op, 'group', `= ${group} must be >= 1`);
  return group;
}

/**
 * A Conv with one input and one output channel per group (group > 1), judged by its weight
 * initializer (any spatial rank); false when the weight is not an initializer.
 */
export function isDepthwiseConv(graph: Graph, node: Node): boolean {
  if (node.op !== 'Conv') return false;
  const w = graph.initializers.get(node.inputs[1] ?? '');
  const group = intAttr(node, 'group', 1);
  return !!w && w.dims[1] === 1 && w.dims[0] === group && group > 1;
}

/** Bias must be 1-D with one value per output channel. */
export function checkBias(node: Node, bias: readonly Dim[] | undefined, channels: Dim): void {
  if (!bias) return;
  if (
    bias.length !== 1 ||
    (typeof bias[0] === 'number' && typeof channels === 'number' && bias[0] !== channels)
  ) {
    throw new ShapeError(
      node.name,
      node.op,
      `bias has shape [${bias.join(', ')}], expected [${channels}] (one value per output channel)`,
    );
  }
}

/**
 * Validates Conv input X (N, C, [H,] W), weight W (M, C/group, [kH,] kW) and bias B (M); returns
 * the window and the output shape (N, M, ...). Shared by shape inference and the ref kernel.
 */
export function convShape(
  node: Node,
  x: readonly Dim[],
  w: readonly Dim[],
  bias?: readonly Dim[],
): ConvShape {
  const spatial = spatialRank(node, { dtype: 'float32', shape: [...x] });
  checkWeightRank(node, x, w);
  const group = groupOf(node);
  const [, c] = x;
  const [m, cg] = w as [Dim, Dim];
  if (typeof c === 'number' && typeof cg === 'number' && c !== cg * group) {
    throw new ShapeError(
      node.name,
      node.op,
      `input has ${c} channels, weight expects ${cg} x group ${group} = ${cg * group} channels`,
    );
  }
  if (typeof m === 'number' && m % group !== 0) {
    throw new ShapeError(
      node.name,
      node.op,
      `weight has ${m} output channels, not divisible by group ${group}`,
    );
  }
  checkBias(node, bias, m);
  const window = readWindow(node, spatial, w.slice(2));
  return { window, group, out: [x[0] as Dim, m, ...windowDims(node, window, x.slice(2))] };
}

export const Conv: OpDef = {
  op: 'Conv',
  stem: 'conv',
  inputs: { min: 2, max: 3 },
  outputs: { min: 1, max: 1 },
  attrs: {
    ...WINDOW_ATTRS,
    dilations: { type: 'ints', optional: true },
    group: { type: 'int', default: 1 },
    ...FUSED_ACTIVATION_ATTRS,
  },
  inferShape(node, inputs) {
    const x = floatInput(node, inputs, 0, 'X');
    const w = floatInput(node, inputs, 1, 'W');
    const b: ValueInfo | undefined = inputs[2] ? floatInput(node, inputs, 2, 'B') : undefined;
    return [{ dtype: x.dtype, shape: convShape(node, x.shape, w.shape, b?.shape).out }];
  },
  // 2 * N * M * out_spatial * (C / group) * prod(kernel)
  flops(_node, inputs, outputs) {
    const w = inputs[1]?.shape ?? [];
    const out = outputs[0]?.shape ?? [];
    return 2 * elementCount(out) * elementCount(w.slice(1));
  },
};
