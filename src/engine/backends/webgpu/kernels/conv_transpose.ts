import type { Node } from '../../../../graph/ir.js';
import { convTransposeShape, transposeAxis } from '../../../ops/conv_transpose.js';
import { type LowerContext, type Lowering, type Step, WebGpuUnsupportedError } from '../types.js';
import { requireConstant, requireFloat32 } from './common.js';
import { residualOf } from './conv.js';
import { gemmConvStep, packGemm } from './conv_gemm.js';

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

interface Axis {
  inSize: number;
  out: number;
  pad: number;
  k: number;
  s: number;
  d: number;
}

/**
 * One stride phase of an axis: outputs o = phase + s * i meet only the taps k0, k0 + step, ...
 * (those with (o + pad - k * d) divisible by s); input index = i + base - t * back for tap t.
 */
function phase(a: Axis, ph: number) {
  const step = a.s / gcd(a.s, a.d);
  let k0 = 0;
  while (k0 < Math.min(a.k, step) && (((ph + a.pad - k0 * a.d) % a.s) + a.s) % a.s !== 0) k0++;
  const taps = k0 >= a.k || k0 >= step ? 0 : Math.ceil((a.k - k0) / step);
  return {
    k0,
    step,
    taps,
    base: (ph + a.pad - k0 * a.d) / a.s,
    back: (step * a.d) / a.s,
    outs: Math.max(0, Math.ceil((a.out - ph) / a.s)),
  };
}

/**
 * ConvTranspose (1-D or 2-D) by sub-pixel decomposition: each of the stride_h x stride_w output
 * phases is a stride-1 conv of x with that phase's taps (no zeros inserted), run on conv_gemm.wgsl
 * and written straight into its strided sub-grid of y. A 4th input is a fused residual (as Conv's).
 */
export const ConvTranspose: Lowering = (node, ctx) =>
  convTransposeSteps(node, ctx, node.outputs[0] as string);

/** ConvTranspose's phase dispatches into y: its output, or a Concat it writes channels c0.. of (yc in all). */
export function convTransposeSteps(node: Node, ctx: LowerContext, y: string, yc?: number, c0 = 0): Step[] {
  const [x = '', wName = '', bName = ''] = node.inputs;
  requireFloat32(node, ctx, [x]);
  const residual = residualOf(node, ctx);
  const xd = ctx.dims(x);
  if (xd.length !== 3 && xd.length !== 4) {
    throw new WebGpuUnsupportedError(node, `${xd.length - 2}-D ConvTranspose (the kernel does 1-D and 2-D)`);
  }
  const w = requireConstant(node, ctx, wName, 'ConvTranspose weight');
  const b = bName ? requireConstant(node, ctx, bName, 'ConvTranspose bias') : undefined;
  const t = convTransposeShape(node, xd, w.dims, b?.dims);
  const axes = xd.slice(2).map(
    (inSize, i): Axis => ({
      inSize,
      out: transposeAxis(t, i, inSize).out,
      pad: transposeAxis(t, i, inSize).padBegin,
      k: t.window.kernel[i] as number,
      s: t.window.strides[i] as number,
      d: t.window.dilations[i] as number,
    }),
  );
  const unit: Axis = { inSize: 1, out: 1, pad: 0, k: 1, s: 1, d: 1 };
  const [hA, wA] = axes.length === 1 ? [unit, axes[0] as Axis] : (axes as [Axis, Axis]);
  const [n, c] = xd as [number, number];
  const [, mg, KH = 1, KW = 1] = w.dims as number[];
  const kh = axes.length === 1 ? 1 : KH;
  const kw = axes.length === 1 ? KH : KW;
  const cg = c / t.group;
  const m = (mg as number) * t.group;
  const wd = w.data as Float32Array;
  const steps: Step[] = [];
  for (let py = 0; py < hA.s; py++) {
    const ph = phase(hA, py);
    for (let px = 0; px < wA.s; px++) {
      const pw = phase(wA, px);
      if (ph.outs === 0 || pw.outs === 0) continue;
      const taps = ph.taps * pw.taps;
      const packed = packGemm(
        m,
        t.group,
        cg,
        ph.taps,
        pw.taps,
        (oc, k) => {
          const g = Math.floor(oc / (mg as number));
          const ic = Math.floor(k / taps);
          const r = ph.k0 + Math.floor((k % taps) / pw.taps) * ph.step;
          const s = pw.k0 + (k % pw.taps) * pw.step;
          return wd[(((g * cg + ic) * (mg as number) + (oc % (mg as number))) * kh + r) * kw + s] as number;
        },
        (oc) => (b ? b.get(oc) : 0),
      );
      steps.push(
        gemmConvStep(
          {
            node,
            x,
            y,
            packed,
            n,
            c,
            h: hA.inSize,
            w: wA.inSize,
            group: t.group,
            oh: ph.outs,
            ow: pw.outs,
            kh: ph.taps,
            kw: pw.taps,
            sh: 1,
            sw: 1,
            dh: -ph.back,
            dw: -pw.back,
            pt: -ph.base,
            pl: -pw.base,
            ohf: hA.out,
            owf: wA.out,
            oy0: py,
            ox0: px,
            osy: hA.s,
            osx: wA.s,
            // The phases tile y (each output is written once): each adds its pixels' residual.
            residual,
            yc,
            c0,
          },
          ctx,
        ),
      );
    }
  }
  return steps;
}
