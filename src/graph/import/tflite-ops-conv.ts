import { Tensor } from '../../engine/tensor.js';
import { ModelFormatError, UnsupportedAttributeError } from '../../errors.js';
import type { Attrs } from '../ir.js';
import { permuteTensor, type TflContext } from './tflite-context.js';
import { Activation, Padding } from './tflite-enums.js';
import type { TflOperator } from './tflite-schema.js';

/** One spatial axis of a TFLite window op: output size and explicit padding. */
export interface AxisPad {
  out: number;
  before: number;
  after: number;
}

/**
 * TFLite's ComputeOutSize + ComputePaddingWithOffset: SAME → out = ceil(in / s), total padding
 * (out-1)*s + effective kernel - in (at least 0), the smaller half before; VALID → no padding.
 */
export function tflAxisPad(padding: number, inSize: number, k: number, s: number, d: number): AxisPad {
  const effK = (k - 1) * d + 1;
  const out = padding === Padding.SAME ? Math.ceil(inSize / s) : Math.floor((inSize - effK + s) / s);
  if (padding !== Padding.SAME) return { out, before: 0, after: 0 };
  const total = Math.max((out - 1) * s + effK - inSize, 0);
  const before = Math.floor(total / 2);
  return { out, before, after: total - before };
}

interface Window2d {
  kernel: [number, number];
  strides: [number, number];
  dilations: [number, number];
  h: AxisPad;
  w: AxisPad;
}

function windowAttrs(win: Window2d): Attrs {
  return {
    kernel_shape: win.kernel,
    strides: win.strides,
    pads: [win.h.before, win.w.before, win.h.after, win.w.after],
  };
}

export function checkPadding(ctx: TflContext, padding: number): void {
  if (padding !== Padding.SAME && padding !== Padding.VALID) {
    throw new UnsupportedAttributeError(
      ctx.label,
      ctx.opName,
      'padding',
      `= ${padding} is not SAME (0) or VALID (1)`,
    );
  }
}

export function positive(ctx: TflContext, name: string, v: number): number {
  if (!Number.isInteger(v) || v < 1) {
    throw new UnsupportedAttributeError(ctx.label, ctx.opName, name, `= ${v} must be >= 1`);
  }
  return v;
}

/** Checks that what atrous computes has the shape the file declares for the output. */
export function expectShape(ctx: TflContext, out: number, nhwc: number[]): void {
  const declared = ctx.shape(out);
  if (declared.length !== nhwc.length || declared.some((d, i) => d !== nhwc[i])) {
    throw new ModelFormatError(
      `TFLite ${ctx.opName} (${ctx.label}): output shape in the file is [${declared.join(', ')}], the op computes [${nhwc.join(', ')}]`,
    );
  }
}

function window(
  ctx: TflContext,
  x: number,
  kernel: [number, number],
  padding: number,
  strides: [number, number],
  dilations: [number, number],
): Window2d {
  checkPadding(ctx, padding);
  const [, H, W] = ctx.shape4(x);
  return {
    kernel,
    strides,
    dilations,
    h: tflAxisPad(padding, H, kernel[0], strides[0], dilations[0]),
    w: tflAxisPad(padding, W, kernel[1], strides[1], dilations[1]),
  };
}

export function biasInput(ctx: TflContext, op: TflOperator, at: number, channels: number): string {
  const b = op.inputs[at];
  if (b === undefined || b < 0) return '';
  const t = ctx.requireConstant(b, 'bias');
  if (t.size !== channels) {
    throw new ModelFormatError(
      `TFLite ${ctx.opName} (${ctx.label}): bias has ${t.size} values, the op has ${channels} output channels`,
    );
  }
  return ctx.addInit(
    `${ctx.nameOf(b)}/bias`,
    new Tensor(
      'float32',
      [channels],
      Float32Array.from({ length: t.size }, (_, k) => t.get(k)),
    ),
  );
}

/** CONV_2D (filter OHWI → OIHW; grouped when the filter has fewer input channels) and DEPTHWISE_CONV_2D. */
export function convOp(ctx: TflContext, op: TflOperator, depthwise: boolean): void {
  const o = op.options;
  const [xi, fi] = op.inputs as [number, number];
  const filter = ctx.requireConstant(fi, 'filter');
  const [N, , , C] = ctx.shape4(xi);
  if (filter.rank !== 4) {
    throw new ModelFormatError(
      `TFLite ${ctx.opName} (${ctx.label}): filter has rank ${filter.rank}, expected 4`,
    );
  }
  const [fo, kh, kw, fc] = filter.dims as [number, number, number, number];
  // Field ids: Conv2DOptions padding 0, stride_w 1, stride_h 2, act 3, dilation_w 4, dilation_h 5;
  // DepthwiseConv2DOptions adds depth_multiplier at 3 (act 4, dilations 5 and 6).
  const shift = depthwise ? 1 : 0;
  const strides: [number, number] = [
    positive(ctx, 'stride_h', o?.int(2) ?? 0),
    positive(ctx, 'stride_w', o?.int(1) ?? 0),
  ];
  const dil: [number, number] = [
    positive(ctx, 'dilation_h_factor', o?.int(5 + shift, 1) ?? 1),
    positive(ctx, 'dilation_w_factor', o?.int(4 + shift, 1) ?? 1),
  ];
  const act = o?.byte(3 + shift) ?? Activation.NONE;
  const win = window(ctx, xi, [kh, kw], o?.byte(0) ?? Padding.SAME, strides, dil);
  let weight: Tensor;
  let group: number;
  let outC: number;
  if (depthwise) {
    // [1, kh, kw, C*M] → [C*M, 1, kh, kw]: output channel c*M + m reads input channel c (group = C).
    if (fo !== 1 || fc % C !== 0) {
      throw new ModelFormatError(
        `TFLite DEPTHWISE_CONV_2D (${ctx.label}): filter [${filter.dims.join(', ')}] does not fit ${C} input channels`,
      );
    }
    weight = permuteTensor(filter, [3, 0, 1, 2]);
    group = C;
    outC = fc;
  } else {
    if (C % fc !== 0) {
      throw new ModelFormatError(
        `TFLite CONV_2D (${ctx.label}): filter has ${fc} input channels, the input has ${C} (not a multiple)`,
      );
    }
    weight = permuteTensor(filter, [0, 3, 1, 2]);
    group = C / fc;
    outC = fo;
  }
  expectShape(ctx, op.outputs[0] as number, [N, win.h.out, win.w.out, outC]);
  const inputs = [ctx.nchw(xi), ctx.addInit(`${ctx.nameOf(fi)}/oihw`, weight)];
  const bias = biasInput(ctx, op, 2, outC);
  if (bias) inputs.push(bias);
  const attrs: Attrs = { ...windowAttrs(win), dilations: dil, group };
  ctx.emitWithActivation('Conv', inputs, attrs, op.outputs[0] as number, 'nchw', act);
}

/** AVERAGE_POOL_2D (padding not counted, as TFLite) and MAX_POOL_2D; a full-window average → GlobalAveragePool. */
export function poolOp(ctx: TflContext, op: TflOperator, max: boolean): void {
  const o = op.options;
  const xi = op.inputs[0] as number;
  const [N, H, W, C] = ctx.shape4(xi);
  const strides: [number, number] = [
    positive(ctx, 'stride_h', o?.int(2) ?? 0),
    positive(ctx, 'stride_w', o?.int(1) ?? 0),
  ];
  const kernel: [number, number] = [
    positive(ctx, 'filter_height', o?.int(4) ?? 0),
    positive(ctx, 'filter_width', o?.int(3) ?? 0),
  ];
  const win = window(ctx, xi, kernel, o?.byte(0) ?? Padding.SAME, strides, [1, 1]);
  const act = o?.byte(5) ?? Activation.NONE;
  const out = op.outputs[0] as number;
  expectShape(ctx, out, [N, win.h.out, win.w.out, C]);
  const x = ctx.nchw(xi);
  const global = !max && kernel[0] === H && kernel[1] === W && win.h.out === 1 && win.w.out === 1;
  if (global && win.h.before + win.h.after + win.w.before + win.w.after === 0) {
    ctx.emitWithActivation('GlobalAveragePool', [x], {}, out, 'nchw', act);
  } else if (max) {
    ctx.emitWithActivation('MaxPool', [x], windowAttrs(win), out, 'nchw', act);
  } else {
    ctx.emitWithActivation(
      'AveragePool',
      [x],
      { ...windowAttrs(win), count_include_pad: 0 },
      out,
      'nchw',
      act,
    );
  }
}
