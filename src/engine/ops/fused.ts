import { floatsAttr, stringAttr } from '../../graph/attrs.js';
import type { Node } from '../../graph/ir.js';
import { ACTIVATION_KINDS, type ActivationKind, activationFn } from './activation.js';
import type { AttrSpec } from './types.js';

/**
 * The fused-activation attributes the fusion pass writes on Conv, ConvTranspose and Gemm:
 * `activation` ('' = none) and `activation_params` (Clip [min, max], HardSigmoid [alpha, beta],
 * LeakyRelu [alpha]). Applied after the bias.
 */
export const FUSED_ACTIVATION_ATTRS: Record<string, AttrSpec> = {
  activation: { type: 'string', default: '', oneOf: ['', ...ACTIVATION_KINDS] },
  activation_params: { type: 'floats', default: [] },
};

/** The node's fused activation as a scalar function, or undefined when there is none. */
export function fusedActivation(node: Node): ((x: number) => number) | undefined {
  const kind = stringAttr(node, 'activation', '');
  if (kind === '') return undefined;
  return activationFn(kind as ActivationKind, floatsAttr(node, 'activation_params', []));
}
