import type { Node } from '../../../../graph/ir.js';
import { convShape } from '../../../ops/conv.js';
import type { Tensor } from '../../../tensor.js';
import { type Axis2d, axes2d } from '../../ref/kernels/conv.js';
import { count, type Lowering, type Step, WebGpuUnsupportedError } from '../types.js';
import { Uniforms } from '../uniforms.js';
import { fusedAct, requireConstant, requireFloat32 } from './common.js';

/**
 * Weights (M, C/g, kh, kw) → [group][block of 4 output channels][C/g][kh][kw] x vec4, zero padded
 * where a group's channel count is not a multiple of 4; bias → one vec4 per block.
 */
export function packConvWeights(w: Tensor, b: Tensor | undefined, group: number) {
  const [m, cg] = w.dims as [number, number];
  const k = count(w.dims.slice(2));
  const mg = m / group;
  const nb = Math.ceil(mg / 4);
  const weights = new Float32Array(group * nb * cg * k * 4);
  const bias = new Float32Array(group * nb * 4);
  const wd = w.data as Float32Array;
  for (let oc = 0; oc < m; oc++) {
    const g = Math.floor(oc / mg);
    const blk = g * nb + Math.floor((oc % mg) / 4);
    const lane = (oc % mg) % 4;
    bias[blk * 4 + lane] = b ? b.get(oc) : 0;
    for (let i = 0; i < cg * k; i++) weights[(blk * cg * k + i) * 4 + lane] = wd[oc * cg * k + i] as number;
  }
  return { weights, bias, nb, mg, cg };
}

/** Conv (1-D or 2-D) on conv.wgsl: up to 16 output channels x 4 output columns per invocation. */
export const Conv: Lowering = (node, ctx) => {
  const [x = '', wName = '', bName = ''] = node.inputs;
  const y = node.outputs[0] as string;
  requireFloat32(node, ctx, [x]);
  const xd = ctx.dims(x);
  const w = requireConstant(node, ctx, wName, 'Conv weight');
  const b = bName ? requireConstant(node, ctx, bName, 'Conv bias') : undefined;
  if (xd.length !== 3 && xd.length !== 4) {
    throw new WebGpuUnsupportedError(node, `${xd.length - 2}-D convolution (conv.wgsl does 1-D and 2-D)`);
  }
  const { window, group } = convShape(node, xd, w.dims, b?.dims);
  const [hA, wA] = axes2d(window, xd.slice(2));
  const [n, c] = xd as [number, number];
  const m = w.dims[0] as number;
  if (group === c && m === c) return depthwise(node, { x, y, w, b, hA, wA, n, c });
  const packed = packConvWeights(w, b, group);
  const owq = Math.ceil(wA.out / 4);
  // Fat invocations where there are channels for them; no wasted blocks on narrow groups.
  const cb = packed.nb >= 4 ? 4 : packed.nb >= 2 ? 2 : 1;
  const invocations = n * group * Math.ceil(packed.nb / cb) * hA.out * owq;
  const act = fusedAct(node);
  return [
    {
      kind: 'dispatch',
      stem: 'conv',
      overrides: { ACT: act.code, CB: cb },
      uniforms: new Uniforms()
        .u(invocations, n, c, hA.inSize, wA.inSize, m, hA.out, wA.out)
        .u(hA.k, wA.k, hA.stride, wA.stride, hA.dilation, wA.dilation)
        .i(hA.padBegin, wA.padBegin)
        .u(group, packed.cg, packed.mg, packed.nb, owq)
        .f(act.a0, act.a1)
        .u(0)
        .bytes(),
      bindings: [
        { kind: 'value', name: x },
        { kind: 'data', data: packed.weights, label: 'packed weights' },
        { kind: 'data', data: packed.bias, label: 'packed bias' },
        { kind: 'value', name: y },
      ],
      invocations,
    },
  ];
};

interface DepthwiseArgs {
  x: string;
  y: string;
  w: Tensor;
  b: Tensor | undefined;
  hA: Axis2d;
  wA: Axis2d;
  n: number;
  c: number;
}

/** Depthwise conv (groups = in = out channels) on depthwise.wgsl: scalar weights, 4 columns each. */
function depthwise(node: Node, a: DepthwiseArgs): Step[] {
  const { hA, wA } = a;
  const owq = Math.ceil(wA.out / 4);
  const invocations = a.n * a.c * hA.out * owq;
  const act = fusedAct(node);
  const bias = a.b ? Float32Array.from(a.b.data as Float32Array) : new Float32Array(a.c);
  return [
    {
      kind: 'dispatch',
      stem: 'depthwise',
      overrides: { ACT: act.code },
      uniforms: new Uniforms()
        .u(invocations, a.c, hA.inSize, wA.inSize, hA.out, wA.out, hA.k, wA.k)
        .u(hA.stride, wA.stride, hA.dilation, wA.dilation)
        .i(hA.padBegin, wA.padBegin)
        .u(owq, 0)
        .f(act.a0, act.a1)
        .bytes(),
      bindings: [
        { kind: 'value', name: a.x },
        { kind: 'data', data: Float32Array.from(a.w.data as Float32Array), label: 'weights' },
        { kind: 'data', data: bias, label: 'bias' },
        { kind: 'value', name: a.y },
      ],
      invocations,
    },
  ];
}
