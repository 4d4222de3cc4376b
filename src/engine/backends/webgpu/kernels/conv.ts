import { AtrousError } from '../../../../errors.js';
import { intAttr, stringAttr } from '../../../../graph/attrs.js';
import type { Node } from '../../../../graph/ir.js';
import { convShape } from '../../../ops/conv.js';
import type { Tensor } from '../../../tensor.js';
import { type Axis2d, axes2d } from '../../ref/kernels/conv.js';
import { activationFeature } from '../conv-features.js';
import {
  type Binding,
  type DispatchStep,
  type LowerContext,
  type Lowering,
  type Step,
  WebGpuUnsupportedError,
} from '../types.js';
import { Uniforms } from '../uniforms.js';
import { fusedAct, requireConstant, requireFloat32 } from './common.js';
import { type GemmConv, gemmConvStep, packGemm } from './conv_gemm.js';

/**
 * Conv (1-D or 2-D) as a tiled implicit GEMM on conv_gemm.wgsl; depthwise on depthwise.wgsl.
 * A 4th input is a residual added in the epilogue (fuse-conv.ts puts it there, with the attribute
 * `webgpu_residual` saying whether it is added after or before the activation).
 */
export const Conv: Lowering = (node, ctx) => {
  const args = convGemmArgs(node, ctx, node.outputs[0] as string);
  const residual = residualOf(node, ctx);
  if ('depthwise' in args) {
    if (residual) throw new AtrousError('INTERNAL', `depthwise conv '${node.name}' got a residual`);
    return depthwise(node, args.depthwise, ctx);
  }
  return [gemmConvStep({ ...args, residual }, ctx)];
};

/** The fused residual of a Conv/ConvTranspose (4th input), checked to be float32. */
export function residualOf(node: Node, ctx: LowerContext): GemmConv['residual'] {
  const name = node.inputs[3];
  if (!name) return undefined;
  requireFloat32(node, ctx, [name]);
  const order = stringAttr(node, 'webgpu_residual', '');
  if (order !== 'after-act' && order !== 'before-act') {
    throw new WebGpuUnsupportedError(node, `a 4th input needs webgpu_residual 'after-act' or 'before-act'`);
  }
  return { name, order };
}

/** A Conv's conv_gemm dispatch writing into y (its output or a Concat it feeds), or its depthwise args. */
export function convGemmArgs(
  node: Node,
  ctx: LowerContext,
  y: string,
): GemmConv | { depthwise: DepthwiseArgs } {
  const [x = '', wName = '', bName = ''] = node.inputs;
  requireFloat32(node, ctx, [x]);
  const w = requireConstant(node, ctx, wName, 'Conv weight');
  const b = bName ? requireConstant(node, ctx, bName, 'Conv bias') : undefined;
  // x may be a stack of several convs' outputs (fuse-conv.ts): this conv reads channels cx0.. of it.
  const cx0 = node.attrs.webgpu_cx0;
  const stacked = ctx.dims(x);
  const xd =
    typeof cx0 === 'number'
      ? [stacked[0] as number, (w.dims[1] as number) * intAttr(node, 'group', 1), ...stacked.slice(2)]
      : stacked;
  if (xd.length !== 3 && xd.length !== 4) {
    throw new WebGpuUnsupportedError(
      node,
      `${xd.length - 2}-D convolution (conv_gemm.wgsl does 1-D and 2-D)`,
    );
  }
  const { window, group } = convShape(node, xd, w.dims, b?.dims);
  const [hA, wA] = axes2d(window, xd.slice(2));
  const [n, c] = xd as [number, number];
  const m = w.dims[0] as number;
  if (group === c && m === c) return { depthwise: { x, y, w, b, hA, wA, n, c } };
  const cg = w.dims[1] as number;
  const wd = w.data as Float32Array;
  const packed = packGemm(m, group, cg, hA.k, wA.k, wd, (oc) => (b ? b.get(oc) : 0));
  return {
    node,
    x,
    y,
    packed,
    cx: stacked[1] as number,
    cx0: typeof cx0 === 'number' ? cx0 : 0,
    n,
    c,
    h: hA.inSize,
    w: wA.inSize,
    group,
    oh: hA.out,
    ow: wA.out,
    kh: hA.k,
    kw: wA.k,
    sh: hA.stride,
    sw: wA.stride,
    dh: hA.dilation,
    dw: wA.dilation,
    pt: hA.padBegin,
    pl: wA.padBegin,
    ohf: hA.out,
    owf: wA.out,
    oy0: 0,
    ox0: 0,
    osy: 1,
    osx: 1,
  };
}

export interface DepthwiseArgs {
  x: string;
  y: string;
  w: Tensor;
  b: Tensor | undefined;
  hA: Axis2d;
  wA: Axis2d;
  n: number;
  c: number;
}

/**
 * Depthwise conv (groups = in = out channels): on a software adapter depthwise_row.wgsl for 3- and
 * 5-wide kernels at horizontal stride 1 (8 outputs per invocation sharing a register window; one
 * pipeline per width for the activations of clampForm, one more per width for each other
 * activation), else depthwise.wgsl. A GPU gets depthwise.wgsl always: its pipeline compiles in two
 * thirds of the row kernel's time (26 vs 36 ms on an H200), and with the activation a uniform a
 * model needs one depthwise pipeline, which precompile.ts starts before the graph is lowered.
 * Tiered (software adapters' start-up, DispatchStep.upgrade): the row kernel is the upgrade of a
 * depthwise.wgsl step, so a model's first run compiles that one pipeline for all its depthwise convs.
 */
function depthwise(
  node: Node,
  a: DepthwiseArgs,
  ctx: Pick<LowerContext, 'software' | 'tiered' | 'convFeatures'>,
): Step[] {
  const { hA, wA } = a;
  const act = fusedAct(node);
  const bias = a.b ? Float32Array.from(a.b.data as Float32Array) : new Float32Array(a.c);
  const bindings: Binding[] = [
    { kind: 'value', name: a.x },
    { kind: 'data', data: Float32Array.from(a.w.data as Float32Array), label: 'weights' },
    { kind: 'data', data: bias, label: 'bias' },
    { kind: 'value', name: a.y },
  ];
  const owq = Math.ceil(wA.out / 4);
  const invocations = a.n * a.c * hA.out * owq;
  const generic: DispatchStep = {
    kind: 'dispatch',
    stem: 'depthwise',
    // The activation is a uniform; FEAT (the model's conv features) says which ones to compile in.
    overrides: { FEAT: ctx.convFeatures | activationFeature(act.code) },
    uniforms: new Uniforms()
      .u(invocations, a.c, hA.inSize, wA.inSize, hA.out, wA.out, hA.k, wA.k)
      .u(hA.stride, wA.stride, hA.dilation, wA.dilation)
      .i(hA.padBegin, wA.padBegin)
      .u(owq, 0)
      .f(act.a0, act.a1)
      .u(act.code, 0)
      .bytes(),
    bindings,
    invocations,
  };
  if (ctx.software && (wA.k === 3 || wA.k === 5) && wA.stride === 1) {
    const groups = Math.ceil(wA.out / (8 * wA.dilation));
    const rowInvocations = a.n * a.c * hA.out * groups * wA.dilation;
    const form = clampForm(act);
    const row: DispatchStep = {
      kind: 'dispatch',
      stem: 'depthwise_row',
      overrides: { KW: wA.k, ACT: form ? 0 : act.code },
      uniforms: new Uniforms()
        .u(rowInvocations, a.c, hA.inSize, wA.inSize, hA.out, wA.out, hA.k, hA.stride)
        .u(hA.dilation, wA.dilation)
        .i(hA.padBegin, wA.padBegin)
        .u(groups, 0)
        .f(act.a0, act.a1)
        .f(...(form ?? [1, 0, 0, 0, 0, 0, 0, 0]))
        .bytes(),
      bindings,
      invocations: rowInvocations,
    };
    return [ctx.tiered ? { ...generic, upgrade: row } : row];
  }
  return [generic];
}

/**
 * depthwise_row.wgsl's shared activation form, clamp(v·m + c, lo, hi) · (gated ? clamp(v·ga + gb,
 * 0, 1) : 1), as (m, c, lo, hi, ga, gb, gated, 0) for the activations it covers (codes of
 * actCode: 0 none, 1 Relu, 2 Clip, 4 HardSigmoid, 5 HardSwish), else undefined (the kernel's own
 * ACT then).
 */
export function clampForm(act: { code: number; a0: number; a1: number }): number[] | undefined {
  const inf = Number.POSITIVE_INFINITY;
  switch (act.code) {
    case 0:
      return [1, 0, -inf, inf, 0, 0, 0, 0];
    case 1:
      return [1, 0, 0, inf, 0, 0, 0, 0];
    case 2:
      return [1, 0, act.a0, act.a1, 0, 0, 0, 0];
    case 4:
      return [act.a0, act.a1, 0, 1, 0, 0, 0, 0];
    case 5:
      return [1, 0, -inf, inf, 1 / 6, 0.5, 1, 0];
    default:
      return undefined;
  }
}
