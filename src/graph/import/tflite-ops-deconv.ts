import { ModelFormatError, UnsupportedAttributeError } from '../../errors.js';
import type { Attrs } from '../ir.js';
import { permuteTensor, type TflContext } from './tflite-context.js';
import { Activation, Padding } from './tflite-enums.js';
import { biasInput, checkPadding, expectShape, positive, tflAxisPad } from './tflite-ops-conv.js';
import type { TflOperator } from './tflite-schema.js';

/**
 * ConvTranspose from an OHWI filter with TFLite's scatter semantics: input (y, x) lands at
 * y*s - padBefore + ky; the output keeps `outHW` rows/cols (extra rows past the full size get
 * only the bias, as ONNX output_padding does).
 */
function emitTransposeConv(
  ctx: TflContext,
  xi: number,
  fi: number,
  bias: string,
  strides: [number, number],
  padBefore: [number, number],
  outHW: [number, number],
  act: number,
): void {
  const filter = ctx.requireConstant(fi, 'weights');
  const [N, H, W, C] = ctx.shape4(xi);
  if (filter.rank !== 4 || filter.dims[3] !== C) {
    throw new ModelFormatError(
      `TFLite ${ctx.opName} (${ctx.label}): weights [${filter.dims.join(', ')}] (OHWI) do not fit the input's ${C} channels`,
    );
  }
  const [O, kh, kw] = filter.dims as [number, number, number, number];
  const pads: number[] = [padBefore[0], padBefore[1], 0, 0];
  const outputPadding = [0, 0];
  [H, W].forEach((inSize, a) => {
    const full = (strides[a] as number) * (inSize - 1) + (a === 0 ? kh : kw);
    const end = full - (padBefore[a] as number) - (outHW[a] as number);
    if (end >= 0) pads[a + 2] = end;
    else if (-end < (strides[a] as number)) outputPadding[a] = -end;
    else {
      throw new UnsupportedAttributeError(
        ctx.label,
        ctx.opName,
        'output_shape',
        `asks for ${outHW[a]} ${a === 0 ? 'rows' : 'columns'}, more than stride - 1 past the full transposed size ${full - (padBefore[a] as number)}`,
      );
    }
  });
  const out = ctx.op?.outputs[0] as number;
  expectShape(ctx, out, [N, outHW[0], outHW[1], O]);
  // OHWI → ONNX ConvTranspose (C_in, C_out, kh, kw).
  const weight = permuteTensor(filter, [3, 0, 1, 2]);
  const inputs = [ctx.nchw(xi), ctx.addInit(`${ctx.nameOf(fi)}/iohw`, weight)];
  if (bias) inputs.push(bias);
  const attrs: Attrs = { kernel_shape: [kh, kw], strides, pads };
  if (outputPadding.some((p) => p > 0)) attrs.output_padding = outputPadding;
  ctx.emitWithActivation('ConvTranspose', inputs, attrs, out, 'nchw', act);
}

/** TRANSPOSE_CONV: inputs (output_shape, weights OHWI, input[, bias]); padding from the output size. */
export function transposeConvOp(ctx: TflContext, op: TflOperator): void {
  const o = op.options;
  const [si, fi, xi] = op.inputs as [number, number, number];
  const shape = ctx.constInts(si, 'output_shape');
  const filter = ctx.requireConstant(fi, 'weights');
  const strides: [number, number] = [
    positive(ctx, 'stride_h', o?.int(2) ?? 0),
    positive(ctx, 'stride_w', o?.int(1) ?? 0),
  ];
  const padding = o?.byte(0) ?? Padding.SAME;
  checkPadding(ctx, padding);
  const outHW: [number, number] = [shape[1] as number, shape[2] as number];
  // TFLite pads as a forward conv from the output size would: ComputePaddingHeightWidth(out, k, s).
  const ph = tflAxisPad(padding, outHW[0], filter.dims[1] as number, strides[0], 1);
  const pw = tflAxisPad(padding, outHW[1], filter.dims[2] as number, strides[1], 1);
  const bias = biasInput(ctx, op, 3, filter.dims[0] as number);
  emitTransposeConv(ctx, xi, fi, bias, strides, [ph.before, pw.before], outHW, o?.byte(3) ?? Activation.NONE);
}

/**
 * MediaPipe's Convolution2DTransposeBias: inputs (input, weights OHWI, bias); custom_options is the
 * raw TfLiteTransposeConvParams struct (int32 LE: padding [kTfLitePaddingSame = 1, Valid = 2],
 * stride_width, stride_height). Output size and padding as in mediapipe's transpose_conv_bias.cc.
 */
export function transposeConvBiasOp(ctx: TflContext, op: TflOperator): void {
  const raw = op.customOptions;
  if (!raw || raw.length < 12) {
    throw new UnsupportedAttributeError(
      ctx.label,
      ctx.opName,
      'custom_options',
      `has ${raw?.length ?? 0} bytes; expected the 12-byte TfLiteTransposeConvParams (padding, stride_width, stride_height)`,
    );
  }
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const padding = view.getInt32(0, true);
  if (padding !== 1 && padding !== 2) {
    throw new UnsupportedAttributeError(
      ctx.label,
      ctx.opName,
      'padding',
      `= ${padding} is not SAME (1) or VALID (2)`,
    );
  }
  const strides: [number, number] = [
    positive(ctx, 'stride_height', view.getInt32(8, true)),
    positive(ctx, 'stride_width', view.getInt32(4, true)),
  ];
  const [xi, fi, bi] = op.inputs as [number, number, number];
  const filter = ctx.requireConstant(fi, 'weights');
  const [, H, W] = ctx.shape4(xi);
  const k = [filter.dims[1] as number, filter.dims[2] as number];
  const total = [H, W].map((inSize, a) =>
    padding === 1 ? Math.max(0, (k[a] as number) - ((inSize - 1) % (strides[a] as number)) - 1) : 0,
  ) as [number, number];
  const outHW = [H, W].map(
    (inSize, a) => (strides[a] as number) * (inSize - 1) + (k[a] as number) - (total[a] as number),
  ) as [number, number];
  if (bi === undefined || bi < 0) {
    throw new UnsupportedAttributeError(
      ctx.label,
      ctx.opName,
      'bias',
      'is missing (the op takes input, weights, bias)',
    );
  }
  const bias = biasInput(ctx, op, 2, filter.dims[0] as number);
  emitTransposeConv(
    ctx,
    xi,
    fi,
    bias,
    strides,
    [Math.floor(total[0] / 2), Math.floor(total[1] / 2)],
    outHW,
    Activation.NONE,
  );
}
