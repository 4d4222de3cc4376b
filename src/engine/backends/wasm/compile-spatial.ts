import { UnsupportedAttributeError } from '../../../errors.js';
import { floatsAttr, intAttr, stringAttr } from '../../../graph/attrs.js';
import { convShape } from '../../ops/conv.js';
import { convTransposeShape, transposeAxis } from '../../ops/conv_transpose.js';
import { poolShape } from '../../ops/pool.js';
import type { Tensor } from '../../tensor.js';
import { type Axis2d, axes2d } from '../ref/kernels/conv.js';
import { type Ctx, ensureLayout, type Step, steps } from './context.js';
import { actArgs } from './kernels.js';
import { pruneTaps } from './prune.js';
import { channelsLast, identity, sameOrder, type Val } from './values.js';
import { compileWinograd, winogradApplies } from './winograd.js';
import { compileWinogradLine, lineAxis } from './winograd-line.js';
import {
  compileWinogradTranspose,
  type TransposeGeometry,
  winogradTransposeApplies,
} from './winograd-transpose.js';

/** A weight/bias input that must be a constant for prepacking. */
export function constInput(ctx: Ctx, i: number, what: string): Tensor | undefined {
  if (!ctx.node.inputs[i]) return undefined;
  const t = ctx.constant(i);
  if (t?.dtype !== 'float32') {
    throw new UnsupportedAttributeError(
      ctx.node.name,
      ctx.node.op,
      what,
      'must be a float32 constant (initializer) on the WASM backend, which prepacks it',
    );
  }
  return t;
}

function spatialInput(ctx: Ctx) {
  const x0 = ctx.input(0);
  const rank = x0.dims.length;
  if (rank !== 3 && rank !== 4) {
    throw new UnsupportedAttributeError(
      ctx.node.name,
      ctx.node.op,
      'X',
      `rank ${rank}: the WASM backend runs 1-D and 2-D windows`,
    );
  }
  return { rank, ...ensureLayout(ctx, x0, channelsLast(rank), 0) };
}

function fusedAct(ctx: Ctx): [number, number, number] {
  return actArgs(stringAttr(ctx.node, 'activation', ''), floatsAttr(ctx.node, 'activation_params', []));
}

/** Weights as [g][kh][kw][c][mP] (mP = per-group outputs rounded up to 8) and bias as [g][mP]. */
function packGrouped(
  ctx: Ctx,
  group: number,
  cg: number,
  mg: number,
  khw: number,
  weightAt: (g: number, c: number, m: number, tap: number) => number,
  bias: Tensor | undefined,
): { w: number; b: number } {
  const mP = (mg + 7) & ~7;
  const packed = new Float32Array(group * khw * cg * mP);
  const b = new Float32Array(group * mP);
  for (let g = 0; g < group; g++) {
    for (let tap = 0; tap < khw; tap++) {
      for (let c = 0; c < cg; c++) {
        const row = ((g * khw + tap) * cg + c) * mP;
        for (let m = 0; m < mg; m++) packed[row + m] = weightAt(g, c, m, tap);
      }
    }
    for (let m = 0; m < mg; m++)
      b[g * mP + m] = bias ? ((bias.data as Float32Array)[g * mg + m] as number) : 0;
  }
  return { w: ctx.upload(packed), b: ctx.upload(b) };
}

/** A 1×1 axis that maps output i to input i (stride 1, no pads). */
const pointwise = (a: Axis2d) => a.k === 1 && a.stride === 1 && a.padBegin === 0 && a.out === a.inSize;

/**
 * A depthwise Conv whose input is row-major and whose readers want no channels-last data (layout.ts
 * lets it follow its readers: a lone depthwise Conv): convDepthwiseNchw on the planes, no transposes.
 */
function depthwiseNchw(ctx: Ctx, w0: Tensor, bias: Tensor | undefined): Step[] | undefined {
  const x = ctx.input(0);
  if (x.dims.length !== 4 || !sameOrder(x.perm, identity(4), x.dims) || ctx.channelsLastUse(0)) {
    return undefined;
  }
  const { window, group } = convShape(ctx.node, x.dims, w0.dims, bias?.dims);
  const [N, C] = x.dims as [number, number];
  if (!(group > 1 && group === C && w0.dims[0] === C)) return undefined;
  const [h0, w0a] = axes2d(window, x.dims.slice(2));
  const { w, h, wa } = pruneTaps(w0, h0, w0a, 4);
  // ONNX weights [C, 1, kh, kw] are already the kernel's [C][kh][kw].
  const pw = ctx.upload(Float32Array.from(w.data as Float32Array));
  const pb = ctx.upload(bias ? Float32Array.from(bias.data as Float32Array) : new Float32Array(C));
  const y: Val = ctx.output(0, identity(4));
  const [kind, q0, q1] = fusedAct(ctx);
  const geo = [h.k, wa.k, h.stride, wa.stride, h.dilation, wa.dilation, h.padBegin, wa.padBegin];
  const rows = N * C * h.out;
  const sizes = [C, h.inSize, wa.inSize, h.out, wa.out];
  return [() => ctx.k.convDepthwiseNchw(x.ptr, pw, pb, y.ptr, ...sizes, ...geo, kind, q0, q1, 0, rows)];
}

export function compileConv(ctx: Ctx): Step[] {
  const { node, k } = ctx;
  const w0 = constInput(ctx, 1, 'W') as Tensor;
  const bias = constInput(ctx, 2, 'B');
  const nchw = depthwiseNchw(ctx, w0, bias);
  if (nchw) return nchw;
  const { rank, val: x, step: pre } = spatialInput(ctx);
  const { window, group } = convShape(node, x.dims, w0.dims, bias?.dims);
  const [h0, w0a] = axes2d(window, x.dims.slice(2));
  const { w, h: hA, wa: wA } = pruneTaps(w0, h0, w0a, rank);
  const [N, C] = x.dims as [number, number];
  const M = w.dims[0] as number;
  const y = ctx.output(0, channelsLast(rank));
  const [kind, q0, q1] = fusedAct(ctx);
  const wd = w.data as Float32Array;
  const khw = hA.k * wA.k;
  const geo = [hA.k, wA.k, hA.stride, wA.stride, hA.dilation, wA.dilation, hA.padBegin, wA.padBegin];
  const sizes = [N, hA.inSize, wA.inSize, C, hA.out, wA.out];
  if (group > 1 && group === C && M === C) {
    const CP = (C + 3) & ~3;
    const packed = new Float32Array(khw * CP);
    const b = new Float32Array(CP);
    for (let c = 0; c < C; c++) {
      for (let t = 0; t < khw; t++) packed[t * CP + c] = wd[c * khw + t] as number;
      b[c] = bias ? ((bias.data as Float32Array)[c] as number) : 0;
    }
    const pw = ctx.upload(packed);
    const pb = ctx.upload(b);
    return steps(pre, () => k.convDepthwiseNhwc(x.ptr, pw, pb, y.ptr, ...sizes, ...geo, kind, q0, q1));
  }
  if (pointwise(hA) && pointwise(wA) && group === 1) {
    // 1×1 stride 1 without pads: a GEMM over the pixels, weights packed [M/8][C][8].
    const mP = (M + 7) & ~7;
    const packed = new Float32Array(mP * C);
    for (let m = 0; m < M; m++) {
      for (let c = 0; c < C; c++) packed[((m >> 3) * C + c) * 8 + (m & 7)] = wd[m * C + c] as number;
    }
    const b = new Float32Array(mP);
    if (bias) b.set(bias.data as Float32Array);
    const pw = ctx.upload(packed);
    const pb = ctx.upload(b);
    const P = N * hA.out * wA.out;
    return steps(pre, () => k.conv1x1Nhwc(x.ptr, pw, pb, y.ptr, P, C, M, kind, q0, q1));
  }
  if (winogradApplies(hA, wA, group, C, M, ctx.scratchBytes)) {
    return steps(pre, compileWinograd(ctx, x, y, w, bias, hA, wA, [kind, q0, q1]));
  }
  const line = lineAxis(hA, wA, group, C, M);
  if (line) return steps(pre, compileWinogradLine(ctx, x, y, w, bias, hA, wA, line, [kind, q0, q1]));
  const cg = C / group;
  const mg = M / group;
  const p = packGrouped(
    ctx,
    group,
    cg,
    mg,
    khw,
    (g, c, m, t) => wd[((g * mg + m) * cg + c) * khw + t] as number,
    bias,
  );
  const zeros = ctx.alloc(C * 4 + 64);
  return steps(pre, () =>
    k.convNhwc(x.ptr, p.w, p.b, y.ptr, zeros, ...sizes, M, ...geo, group, kind, q0, q1),
  );
}

export function compileConvTranspose(ctx: Ctx): Step[] {
  const { node, k } = ctx;
  const { rank, val: x, step: pre } = spatialInput(ctx);
  const w = constInput(ctx, 1, 'W') as Tensor;
  const bias = constInput(ctx, 2, 'B');
  const t = convTransposeShape(node, x.dims, w.dims, bias?.dims);
  const spatialIn = x.dims.slice(2);
  const geo = spatialIn.map((n, i) => transposeAxis(t, i, n));
  const y = ctx.output(0, channelsLast(rank));
  const [N, C] = x.dims as [number, number];
  const M = y.dims[1] as number;
  const group = t.group;
  const cg = C / group;
  const mg = M / group;
  const win = t.window;
  // 1-D is 2-D with a unit H axis.
  const ax = (i: number) => (spatialIn.length === 1 ? i - 1 : i);
  const pick = (arr: readonly number[], i: number, unit: number) =>
    ax(i) < 0 ? unit : (arr[ax(i)] as number);
  const KH = pick(win.kernel, 0, 1);
  const KW = pick(win.kernel, 1, 1);
  const khw = KH * KW;
  const H = rank === 4 ? (x.dims[2] as number) : 1;
  const W = x.dims[rank - 1] as number;
  const OH = rank === 4 ? (y.dims[2] as number) : 1;
  const OW = y.dims[rank - 1] as number;
  const padOf = (i: number) => (ax(i) < 0 ? 0 : (geo[ax(i)]?.padBegin as number));
  const [kind, q0, q1] = fusedAct(ctx);
  const tg: TransposeGeometry = {
    N,
    C,
    M,
    H,
    W,
    OH,
    OW,
    KH,
    KW,
    sh: pick(win.strides, 0, 1),
    sw: pick(win.strides, 1, 1),
    dh: pick(win.dilations, 0, 1),
    dw: pick(win.dilations, 1, 1),
    ph: padOf(0),
    pw: padOf(1),
    group,
  };
  if (rank === 4 && winogradTransposeApplies(tg)) {
    return steps(pre, compileWinogradTranspose(ctx, x, y, w, bias, tg, [kind, q0, q1]));
  }
  const wd = w.data as Float32Array;
  const p = packGrouped(
    ctx,
    group,
    cg,
    mg,
    khw,
    (g, c, m, tap) => wd[((g * cg + c) * mg + m) * khw + tap] as number,
    bias,
  );
  const zeros = ctx.alloc(C * 4 + 64);
  const args = [N, H, W, C, OH, OW, M, KH, KW, tg.sh, tg.sw, tg.dh, tg.dw, tg.ph, tg.pw, group];
  return steps(pre, () => k.convTransposeNhwc(x.ptr, p.w, p.b, y.ptr, zeros, ...args, kind, q0, q1));
}

export function compilePool(ctx: Ctx): Step[] {
  const { node, k } = ctx;
  const { rank, val: x, step: pre } = spatialInput(ctx);
  const y = ctx.output(0, channelsLast(rank));
  const [N, C] = x.dims as [number, number];
  if (node.op === 'GlobalAveragePool') {
    const hw = x.dims.slice(2).reduce((a, b) => a * b, 1);
    return steps(pre, () => k.globalAvgPoolNhwc(x.ptr, y.ptr, N, hw, C));
  }
  const { window, ceilMode } = poolShape(node, x.dims);
  const [hA, wA] = axes2d(window, x.dims.slice(2), ceilMode);
  const mode = node.op === 'MaxPool' ? 0 : intAttr(node, 'count_include_pad', 0) === 1 ? 1 : 2;
  const args = [
    N,
    hA.inSize,
    wA.inSize,
    C,
    hA.out,
    wA.out,
    hA.k,
    wA.k,
    hA.stride,
    wA.stride,
    hA.dilation,
    wA.dilation,
    hA.padBegin,
    wA.padBegin,
    hA.padEnd,
    wA.padEnd,
    mode,
  ];
  return steps(pre, () => k.poolNhwc(x.ptr, y.ptr, ...args));
}
