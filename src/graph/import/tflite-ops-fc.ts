import { ModelFormatError, UnsupportedAttributeError } from '../../errors.js';
import type { TflContext } from './tflite-context.js';
import { Activation } from './tflite-enums.js';
import { biasInput } from './tflite-ops-conv.js';
import type { TflOperator } from './tflite-schema.js';

/** FULLY_CONNECTED: flatten to (rows, in) in NHWC order, Gemm with W^T, reshape back when keep_num_dims. */
export function fullyConnectedOp(ctx: TflContext, op: TflOperator): void {
  const o = op.options;
  const [xi, wi] = op.inputs as [number, number];
  const w = ctx.requireConstant(wi, 'weights');
  const format = o?.byte(1) ?? 0;
  if (format !== 0) {
    throw new UnsupportedAttributeError(
      ctx.label,
      ctx.opName,
      'weights_format',
      `= ${format}; only DEFAULT (0) is supported`,
    );
  }
  if (w.rank !== 2)
    throw new ModelFormatError(
      `TFLite FULLY_CONNECTED (${ctx.label}): weights have rank ${w.rank}, expected 2`,
    );
  const [units, depth] = w.dims as [number, number];
  const xShape = ctx.shape(xi);
  const total = xShape.reduce((a, d) => a * d, 1);
  if (total % depth !== 0) {
    throw new ModelFormatError(
      `TFLite FULLY_CONNECTED (${ctx.label}): input [${xShape.join(', ')}] does not split into rows of ${depth}`,
    );
  }
  let x = ctx.nhwc(xi);
  if (xShape.length !== 2 || xShape[1] !== depth) {
    const flat = ctx.fresh(`${ctx.label}/flat`);
    ctx.emit('Reshape', [x, ctx.int64s(`${flat}/shape`, [total / depth, depth])], {}, [flat]);
    x = flat;
  }
  const inputs = [x, ctx.addInit(`${ctx.nameOf(wi)}/w`, w)];
  const bias = biasInput(ctx, op, 2, units);
  if (bias) inputs.push(bias);
  const out = op.outputs[0] as number;
  const outShape = ctx.shape(out);
  const act = o?.byte(0) ?? Activation.NONE;
  if (outShape.length === 2) {
    ctx.emitWithActivation('Gemm', inputs, { transB: 1 }, out, 'nhwc', act);
    return;
  }
  const rows = ctx.fresh(`${ctx.label}/gemm`);
  ctx.emit('Gemm', inputs, { transB: 1 }, [rows]);
  const y = ctx.output(out, 'nhwc');
  const pre = act === Activation.NONE ? y : ctx.fresh(`${y}/pre`);
  ctx.emit('Reshape', [rows, ctx.int64s(`${y}/shape`, outShape)], {}, [pre]);
  if (pre !== y) ctx.activation(act, pre, y);
}
