import { ShapeError, UnsupportedAttributeError } from '../../errors.js';
import { intAttr } from '../../graph/attrs.js';
import type { Node } from '../../graph/ir.js';
import type { OpDef } from './types.js';
import { elementCount, floatInput } from './window.js';

const PARAM_NAMES = ['scale', 'B', 'input_mean', 'input_var'] as const;

/** Inference-mode only: training_mode must be 0 and the running-statistics outputs absent. */
export function checkInferenceMode(node: Node): void {
  const training = intAttr(node, 'training_mode', 0);
  if (training !== 0) {
    throw new UnsupportedAttributeError(
      node.name,
      node.op,
      'training_mode',
      `= ${training}: only inference (training_mode 0) is supported`,
    );
  }
  if (node.outputs.slice(1).some((o) => o !== '')) {
    throw new UnsupportedAttributeError(
      node.name,
      node.op,
      'training_mode',
      `: outputs ${node.outputs.slice(1).join(', ')} (running/saved mean and variance) exist only in training; only output Y is supported`,
    );
  }
}

/** Y = scale * (X - mean) / sqrt(var + epsilon) + B, per channel (dim 1), any rank >= 2. */
export const BatchNormalization: OpDef = {
  op: 'BatchNormalization',
  stem: 'batch_norm',
  inputs: { min: 5, max: 5 },
  outputs: { min: 1, max: 5 },
  attrs: {
    epsilon: { type: 'float', default: 1e-5 },
    // Only used when training; accepted and ignored.
    momentum: { type: 'float', default: 0.9 },
    training_mode: { type: 'int', default: 0 },
    // Opset < 9: only per-channel ("spatial") statistics are implemented.
    spatial: { type: 'int', default: 1, oneOf: [1] },
  },
  inferShape(node, inputs) {
    checkInferenceMode(node);
    const x = floatInput(node, inputs, 0, 'X');
    if (x.shape.length < 2) {
      throw new ShapeError(node.name, node.op, `input has rank ${x.shape.length}; expected (N, C, ...)`);
    }
    const c = x.shape[1];
    PARAM_NAMES.forEach((what, k) => {
      const p = floatInput(node, inputs, k + 1, what);
      const d = p.shape[0];
      if (p.shape.length !== 1 || (typeof d === 'number' && typeof c === 'number' && d !== c)) {
        throw new ShapeError(
          node.name,
          node.op,
          `${what} has shape [${p.shape.join(', ')}], expected [${c}] (input has ${c} channels)`,
        );
      }
    });
    return [{ dtype: x.dtype, shape: [...x.shape] }];
  },
  flops: (_node, _inputs, outputs) => 2 * elementCount(outputs[0]?.shape ?? []),
};
