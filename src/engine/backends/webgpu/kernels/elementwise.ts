import { floatAttr } from '../../../../graph/attrs.js';
import type { Node } from '../../../../graph/ir.js';
import { checkInferenceMode } from '../../../ops/batch_norm.js';
import type { Tensor } from '../../../tensor.js';
import { type Binding, count, type LowerContext, type Lowering, type Step } from '../types.js';
import { Uniforms } from '../uniforms.js';
import {
  actCode,
  actParams,
  broadcastStrides,
  collapseAxes,
  requireConstant,
  requireFloat32,
  requireRank,
} from './common.js';

/** activation.wgsl for one activation kind; `params` reads its a0/a1 from the node. */
function activation(
  kind: Parameters<typeof actCode>[0],
  params: (node: Node, ctx: LowerContext) => number[],
): Lowering {
  return (node, ctx) => {
    const [x = ''] = node.inputs;
    const y = node.outputs[0] as string;
    requireFloat32(node, ctx, [x]);
    const [a0, a1] = actParams(kind, params(node, ctx));
    const n = count(ctx.dims(y));
    return [
      {
        kind: 'dispatch',
        stem: 'activation',
        overrides: { ACT: actCode(kind) },
        uniforms: new Uniforms().u(n).f(a0, a1).bytes(),
        bindings: [
          { kind: 'value', name: x },
          { kind: 'value', name: y },
        ],
        invocations: n,
      },
    ];
  };
}

function clipBound(node: Node, ctx: LowerContext, i: number, attr: string, fallback: number): number {
  const name = node.inputs[i];
  if (name) return requireConstant(node, ctx, name, i === 1 ? 'Clip min' : 'Clip max').get(0);
  return floatAttr(node, attr, fallback);
}

const none = () => [];
export const Relu = activation('Relu', none);
export const Sigmoid = activation('Sigmoid', none);
export const HardSwish = activation('HardSwish', none);
export const Tanh = activation('Tanh', none);
export const HardSigmoid = activation('HardSigmoid', (n) => [
  floatAttr(n, 'alpha', 0.2),
  floatAttr(n, 'beta', 0.5),
]);
export const LeakyRelu = activation('LeakyRelu', (n) => [floatAttr(n, 'alpha', 0.01)]);
export const Clip = activation('Clip', (n, ctx) => [
  clipBound(n, ctx, 1, 'min', Number.NEGATIVE_INFINITY),
  clipBound(n, ctx, 2, 'max', Number.POSITIVE_INFINITY),
]);

/**
 * binary.wgsl with op code `op` (Add 0, Sub 1, Mul 2, Div 3, PRelu 4): same shapes or two axes once
 * collapsed; binary_vec4.wgsl for same shapes of a multiple of 4 elements; binary_nd.wgsl for
 * broadcasts that keep more axes.
 */
function binary(op: number): Lowering {
  return (node, ctx) => {
    const [a = '', b = ''] = node.inputs;
    const y = node.outputs[0] as string;
    requireFloat32(node, ctx, [a, b]);
    const out = ctx.dims(y);
    requireRank(node, out);
    const [ad, bd] = [ctx.dims(a), ctx.dims(b)];
    const same = ad.join() === out.join() && bd.join() === out.join();
    const n = count(out);
    const bindings: Binding[] = [
      { kind: 'value', name: a },
      { kind: 'value', name: b },
      { kind: 'value', name: y },
    ];
    if (same && n % 4 === 0) {
      return [
        {
          kind: 'dispatch',
          stem: 'binary_vec4',
          overrides: { OP: op },
          uniforms: new Uniforms().u(n / 4, 0, 0, 0).bytes(),
          bindings,
          invocations: n / 4,
        },
      ];
    }
    const walk = collapseAxes(out, [broadcastStrides(ad, out), broadcastStrides(bd, out)]);
    const nd = walk.dims.length > 2;
    const step: Step = {
      kind: 'dispatch',
      stem: nd ? 'binary_nd' : 'binary',
      overrides: nd ? { OP: op } : { OP: op, BROADCAST: !same },
      uniforms: new Uniforms()
        .u(n, walk.dims.length, 0, 0)
        .vec8('u', walk.dims)
        .vec8('u', walk.strides[0] as number[])
        .vec8('u', walk.strides[1] as number[])
        .bytes(),
      bindings,
      invocations: n,
    };
    return [step];
  };
}

export const Add = binary(0);
export const Sub = binary(1);
export const Mul = binary(2);
export const Div = binary(3);
export const PRelu = binary(4);

/** Inference BatchNormalization: scale/shift per channel folded on the host (f64), one affine pass. */
export const BatchNormalization: Lowering = (node, ctx) => {
  checkInferenceMode(node);
  const [x = '', s = '', b = '', m = '', v = ''] = node.inputs;
  const y = node.outputs[0] as string;
  requireFloat32(node, ctx, [x]);
  const [scale, bias, mean, variance] = [s, b, m, v].map((name) =>
    requireConstant(node, ctx, name, 'BatchNormalization parameter'),
  ) as [Tensor, Tensor, Tensor, Tensor];
  const dims = ctx.dims(x);
  const c = dims[1] ?? 1;
  const eps = floatAttr(node, 'epsilon', 1e-5);
  const ss = new Float32Array(2 * c);
  for (let ch = 0; ch < c; ch++) {
    const k = scale.get(ch) / Math.sqrt(variance.get(ch) + eps);
    ss[2 * ch] = k;
    ss[2 * ch + 1] = bias.get(ch) - mean.get(ch) * k;
  }
  const n = count(dims);
  return [
    {
      kind: 'dispatch',
      stem: 'batch_norm',
      overrides: {},
      uniforms: new Uniforms().u(n, c, count(dims.slice(2)), 0).bytes(),
      bindings: [
        { kind: 'value', name: x },
        { kind: 'data', data: ss, label: 'scale-shift' },
        { kind: 'value', name: y },
      ],
      invocations: n,
    },
  ];
};
