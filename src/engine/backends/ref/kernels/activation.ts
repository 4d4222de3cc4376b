import { floatAttr } from '../../../../graph/attrs.js';
import type { Node } from '../../../../graph/ir.js';
import { type ActivationKind, activationFn } from '../../../ops/activation.js';
import type { RefKernel } from '../../../ops/types.js';
import { Tensor } from '../../../tensor.js';

/** Applies f to every element, keeping dtype and dims. */
export function mapTensor(x: Tensor, f: (v: number) => number): Tensor {
  const out = new Tensor(x.dtype, x.dims);
  const src = x.data as Float32Array;
  const dst = out.data as Float32Array;
  for (let i = 0; i < src.length; i++) dst[i] = f(src[i] as number);
  return out;
}

function unary(
  kind: ActivationKind,
  params: (node: Node, inputs: (Tensor | undefined)[]) => number[] = () => [],
): RefKernel {
  return (node, inputs) => [mapTensor(inputs[0] as Tensor, activationFn(kind, params(node, inputs)))];
}

export const Relu = unary('Relu');
export const Clip = unary('Clip', (node, inputs) => [
  inputs[1]?.get(0) ?? floatAttr(node, 'min', Number.NEGATIVE_INFINITY),
  inputs[2]?.get(0) ?? floatAttr(node, 'max', Number.POSITIVE_INFINITY),
]);
export const Sigmoid = unary('Sigmoid');
export const HardSigmoid = unary('HardSigmoid', (node) => [
  floatAttr(node, 'alpha', 0.2),
  floatAttr(node, 'beta', 0.5),
]);
export const HardSwish = unary('HardSwish');
export const Tanh = unary('Tanh');
export const LeakyRelu = unary('LeakyRelu', (node) => [floatAttr(node, 'alpha', 0.01)]);
