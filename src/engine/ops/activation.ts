import { ShapeError } from '../../errors.js';
import type { Node } from '../../graph/ir.js';
import type { OpType } from '../../graph/op-types.js';
import type { OpDef, OutputInfo, ValueInfo } from './types.js';

/**
 * Pointwise activations. `ActivationKind` + params is also how a fused activation is described on
 * Conv/ConvTranspose/Gemm (attributes `activation` and `activation_params`, set by the fusion pass).
 */
export const ACTIVATION_KINDS = [
  'Relu',
  'Clip',
  'Sigmoid',
  'HardSigmoid',
  'HardSwish',
  'Tanh',
  'LeakyRelu',
] as const;
export type ActivationKind = (typeof ACTIVATION_KINDS)[number];

/**
 * The scalar function of an activation. Params: Clip [min, max], HardSigmoid [alpha, beta],
 * LeakyRelu [alpha]; the others take none.
 */
export function activationFn(kind: ActivationKind, params: readonly number[] = []): (x: number) => number {
  switch (kind) {
    case 'Relu':
      return (x) => Math.max(x, 0);
    case 'Clip': {
      const lo = params[0] ?? Number.NEGATIVE_INFINITY;
      const hi = params[1] ?? Number.POSITIVE_INFINITY;
      return (x) => (x < lo ? lo : Math.min(x, hi));
    }
    case 'Sigmoid':
      return (x) => 1 / (1 + Math.exp(-x));
    case 'HardSigmoid': {
      const alpha = params[0] ?? 0.2;
      const beta = params[1] ?? 0.5;
      return (x) => Math.max(0, Math.min(1, alpha * x + beta));
    }
    case 'HardSwish':
      return (x) => x * Math.max(0, Math.min(1, x / 6 + 0.5));
    case 'Tanh':
      return Math.tanh;
    case 'LeakyRelu': {
      const alpha = params[0] ?? 0.01;
      return (x) => (x >= 0 ? x : alpha * x);
    }
  }
}

function sameAsInput(node: Node, inputs: (ValueInfo | undefined)[]): OutputInfo[] {
  const x = inputs[0];
  if (!x) throw new ShapeError(node.name, node.op, 'input 0 is required');
  if (x.dtype !== 'float32' && x.dtype !== 'float64') {
    throw new ShapeError(node.name, node.op, `input must be float32, got ${x.dtype}`);
  }
  return [{ dtype: x.dtype, shape: [...x.shape] }];
}

function pointwise(op: OpType & ActivationKind, attrs: OpDef['attrs'] = {}, maxInputs = 1): OpDef {
  return {
    op,
    stem: 'activation',
    inputs: { min: 1, max: maxInputs },
    outputs: { min: 1, max: 1 },
    attrs,
    inferShape: sameAsInput,
    flops: (_node, _inputs, outputs) => elements(outputs[0]),
  };
}

function elements(info: OutputInfo | undefined): number {
  return info ? info.shape.reduce<number>((a, d) => a * (typeof d === 'number' ? d : 1), 1) : 0;
}

export const Relu = pointwise('Relu');
/** Clip: opset >= 11 takes min/max as optional inputs; older files carry them as attributes. */
export const Clip = pointwise(
  'Clip',
  { min: { type: 'float', optional: true }, max: { type: 'float', optional: true } },
  3,
);
export const Sigmoid = pointwise('Sigmoid');
export const HardSigmoid = pointwise('HardSigmoid', {
  alpha: { type: 'float', default: 0.2 },
  beta: { type: 'float', default: 0.5 },
});
export const HardSwish = pointwise('HardSwish');
export const Tanh = pointwise('Tanh');
export const LeakyRelu = pointwise('LeakyRelu', { alpha: { type: 'float', default: 0.01 } });
