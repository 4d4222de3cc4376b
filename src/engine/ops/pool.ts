import { ShapeError, UnsupportedAttributeError } from '../../errors.js';
import { intsAttr } from '../../graph/attrs.js';
import type { Dim, Node } from '../../graph/ir.js';
import type { OpDef, OutputInfo, ValueInfo } from './types.js';
import {
  ceilModeOf,
  elementCount,
  floatInput,
  readWindow,
  spatialRank,
  WINDOW_ATTRS,
  type Window,
  windowDims,
} from './window.js';

export interface PoolShape {
  window: Window;
  ceilMode: boolean;
  out: Dim[];
}

/** Validates a pool's input (N, C, [H,] W) and attributes; returns the window and output shape. */
export function poolShape(node: Node, x: readonly Dim[]): PoolShape {
  const spatial = spatialRank(node, { dtype: 'float32', shape: [...x] });
  const window = readWindow(node, spatial);
  const ceilMode = ceilModeOf(node);
  return {
    window,
    ceilMode,
    out: [x[0] as Dim, x[1] as Dim, ...windowDims(node, window, x.slice(2), ceilMode)],
  };
}

/** One compare/add per window element per output. */
function windowFlops(node: Node, _inputs: (ValueInfo | undefined)[], outputs: OutputInfo[]): number {
  return elementCount(outputs[0]?.shape ?? []) * elementCount(intsAttr(node, 'kernel_shape', []));
}

const POOL_ATTRS = {
  ...WINDOW_ATTRS,
  kernel_shape: { type: 'ints' },
  ceil_mode: { type: 'int', default: 0, oneOf: [0, 1] },
  dilations: { type: 'ints', optional: true },
} as const satisfies OpDef['attrs'];

export const GlobalAveragePool: OpDef = {
  op: 'GlobalAveragePool',
  stem: 'pool',
  inputs: { min: 1, max: 1 },
  outputs: { min: 1, max: 1 },
  attrs: {},
  inferShape(node, inputs) {
    const x = floatInput(node, inputs, 0, 'X');
    if (x.shape.length < 3) {
      throw new ShapeError(
        node.name,
        node.op,
        `input has rank ${x.shape.length} ([${x.shape.join(', ')}]); expected (N, C, D1, ...) with at least one spatial axis`,
      );
    }
    return [
      { dtype: x.dtype, shape: [x.shape[0] as Dim, x.shape[1] as Dim, ...x.shape.slice(2).map(() => 1)] },
    ];
  },
  flops: (_node, inputs) => elementCount(inputs[0]?.shape ?? []),
};

export const AveragePool: OpDef = {
  op: 'AveragePool',
  stem: 'pool',
  inputs: { min: 1, max: 1 },
  outputs: { min: 1, max: 1 },
  attrs: { ...POOL_ATTRS, count_include_pad: { type: 'int', default: 0, oneOf: [0, 1] } },
  inferShape(node, inputs) {
    const x = floatInput(node, inputs, 0, 'X');
    return [{ dtype: x.dtype, shape: poolShape(node, x.shape).out }];
  },
  flops: windowFlops,
};

/** MaxPool's optional second output (argmax Indices) is not implemented. */
export function checkNoIndices(node: Node): void {
  if (node.outputs[1]) {
    throw new UnsupportedAttributeError(
      node.name,
      node.op,
      'Indices',
      `(second output '${node.outputs[1]}') is not supported; only output Y is implemented`,
    );
  }
}

export const MaxPool: OpDef = {
  op: 'MaxPool',
  stem: 'pool',
  inputs: { min: 1, max: 1 },
  outputs: { min: 1, max: 2 },
  attrs: { ...POOL_ATTRS, storage_order: { type: 'int', default: 0, oneOf: [0] } },
  inferShape(node, inputs) {
    checkNoIndices(node);
    const x = floatInput(node, inputs, 0, 'X');
    return [{ dtype: x.dtype, shape: poolShape(node, x.shape).out }];
  },
  flops: windowFlops,
};
