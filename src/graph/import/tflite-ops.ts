import { Tensor } from '../../engine/tensor.js';
import { ModelFormatError, UnsupportedAttributeError, UnsupportedOpError } from '../../errors.js';
import type { OpType } from '../op-types.js';
import { type Layout, NHWC_AXIS_IN_NCHW, permuteTensor, type TflContext, TO_NCHW } from './tflite-context.js';
import { Activation, BuiltinOp, builtinName, TensorType } from './tflite-enums.js';
import { convOp, poolOp } from './tflite-ops-conv.js';
import { transposeConvBiasOp, transposeConvOp } from './tflite-ops-deconv.js';
import { fullyConnectedOp } from './tflite-ops-fc.js';
import { resizeOp } from './tflite-ops-resize.js';
import type { TflOperator } from './tflite-schema.js';

type Mapper = (ctx: TflContext, op: TflOperator) => void;

/**
 * The mapper behind a check that the operator has its first `min` inputs (present, not -1) and an
 * output, so a corrupt operator fails naming the op instead of reading tensor `undefined`.
 */
const needs =
  (min: number, m: Mapper): Mapper =>
  (ctx, o) => {
    const absent = o.inputs.slice(0, min).findIndex((i) => i < 0);
    if (o.inputs.length < min || absent >= 0) {
      throw new ModelFormatError(
        `TFLite ${ctx.opName} (${ctx.label}) needs ${min} input${min === 1 ? '' : 's'}, ` +
          (absent >= 0 ? `but input ${absent} is absent (-1)` : `but it has ${o.inputs.length}`),
      );
    }
    if (o.outputs.length === 0 || (o.outputs[0] as number) < 0) {
      throw new ModelFormatError(`TFLite ${ctx.opName} (${ctx.label}) has no output tensor`);
    }
    m(ctx, o);
  };

const unary =
  (op: OpType): Mapper =>
  (ctx, o) => {
    const x = o.inputs[0] as number;
    const layout: Layout = ctx.hasNchw(x) ? 'nchw' : 'nhwc';
    ctx.emit(op, [ctx.value(x, layout)], {}, [ctx.output(o.outputs[0] as number, layout)]);
  };

const activationOp =
  (act: number): Mapper =>
  (ctx, o) => {
    const x = o.inputs[0] as number;
    const layout: Layout = ctx.hasNchw(x) ? 'nchw' : 'nhwc';
    ctx.activation(act, ctx.value(x, layout), ctx.output(o.outputs[0] as number, layout));
  };

/** Rank-4 inputs in NCHW; lower-rank inputs broadcast against NHWC's trailing axes, so they are lifted. */
function broadcastNchw(ctx: TflContext, i: number): string {
  const shape = ctx.shape(i);
  if (shape.length === 4) return ctx.nchw(i);
  if (shape.length > 4) {
    throw new ModelFormatError(
      `TFLite ${ctx.opName} (${ctx.label}): input '${ctx.nameOf(i)}' has shape [${shape.join(', ')}], of higher rank than the rank-4 output`,
    );
  }
  const lifted = [...new Array<number>(4 - shape.length).fill(1), ...shape];
  const c = ctx.constant(i);
  if (c?.dtype === 'float32') {
    return ctx.addInit(
      `${ctx.nameOf(i)}/nchw`,
      permuteTensor(new Tensor('float32', lifted, c.data as Float32Array), TO_NCHW),
    );
  }
  const r = ctx.fresh(`${ctx.nameOf(i)}/4d`);
  ctx.emit('Reshape', [ctx.nhwc(i), ctx.int64s(`${r}/shape`, lifted)], {}, [r]);
  const t = ctx.fresh(`${ctx.nameOf(i)}/nchw`);
  ctx.emit('Transpose', [r], { perm: TO_NCHW }, [t]);
  return t;
}

const binary =
  (op: OpType): Mapper =>
  (ctx, o) => {
    const out = o.outputs[0] as number;
    const ins = o.inputs.slice(0, 2);
    const nchw = ctx.rank(out) === 4 && ins.some((i) => ctx.hasNchw(i));
    const values = ins.map((i) => (nchw ? broadcastNchw(ctx, i) : ctx.nhwc(i)));
    ctx.emitWithActivation(
      op,
      values,
      {},
      out,
      nchw ? 'nchw' : 'nhwc',
      o.options?.byte(0) ?? Activation.NONE,
    );
  };

function normAxis(ctx: TflContext, axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) {
    throw new UnsupportedAttributeError(
      ctx.label,
      ctx.opName,
      'axis',
      `= ${axis} is out of range for rank ${rank}`,
    );
  }
  return a;
}

const concatenation: Mapper = (ctx, o) => {
  const out = o.outputs[0] as number;
  const rank = ctx.rank(out);
  const axis = normAxis(ctx, o.options?.int(0) ?? 0, rank);
  const nchw = rank === 4 && o.inputs.some((i) => ctx.hasNchw(i));
  const values = o.inputs.map((i) => ctx.value(i, nchw ? 'nchw' : 'nhwc'));
  const attrs = { axis: nchw ? (NHWC_AXIS_IN_NCHW[axis] as number) : axis };
  ctx.emitWithActivation(
    'Concat',
    values,
    attrs,
    out,
    nchw ? 'nchw' : 'nhwc',
    o.options?.byte(1) ?? Activation.NONE,
  );
};

/** RESHAPE keeps NHWC element order: it reads the NHWC value, and writes the file's static output shape. */
const reshape: Mapper = (ctx, o) => {
  const out = o.outputs[0] as number;
  const x = ctx.nhwc(o.inputs[0] as number);
  const y = ctx.output(out, 'nhwc');
  ctx.emit('Reshape', [x, ctx.int64s(`${y}/shape`, ctx.shape(out))], {}, [y]);
};

const transpose: Mapper = (ctx, o) => {
  const [xi, pi] = o.inputs as [number, number];
  const perm = ctx.constInts(pi, 'perm');
  const out = o.outputs[0] as number;
  // From an NCHW value the NHWC perm composes with the layout change: one Transpose either way.
  const fromNchw = ctx.hasNchw(xi) && perm.length === 4;
  const x = fromNchw ? ctx.nchw(xi) : ctx.nhwc(xi);
  const p = fromNchw ? perm.map((a) => NHWC_AXIS_IN_NCHW[a] as number) : perm;
  ctx.emit('Transpose', [x], { perm: p }, [ctx.output(out, 'nhwc')]);
};

const pad: Mapper = (ctx, o) => {
  const [xi, pi] = o.inputs as [number, number];
  const p = ctx.constInts(pi, 'paddings');
  const rank = ctx.rank(xi);
  if (p.length !== 2 * rank) {
    throw new ModelFormatError(
      `TFLite PAD (${ctx.label}): paddings has ${p.length} values, expected ${rank} x 2`,
    );
  }
  const nchw = rank === 4 && ctx.hasNchw(xi);
  const axisOf = (a: number) => (nchw ? TO_NCHW[a] : a) as number;
  const pads = [
    ...Array.from({ length: rank }, (_, a) => p[2 * axisOf(a)] as number),
    ...Array.from({ length: rank }, (_, a) => p[2 * axisOf(a) + 1] as number),
  ];
  const layout: Layout = nchw ? 'nchw' : 'nhwc';
  const x = ctx.value(xi, layout);
  ctx.emit('Pad', [x, ctx.int64s(`${ctx.label}/pads`, pads)], { mode: 'constant' }, [
    ctx.output(o.outputs[0] as number, layout),
  ]);
};

const mean: Mapper = (ctx, o) => {
  const [xi, ai] = o.inputs as [number, number];
  const rank = ctx.rank(xi);
  const axes = [...new Set(ctx.constInts(ai, 'axis').map((a) => normAxis(ctx, a, rank)))];
  const keep = o.options?.bool(0) ?? false;
  const out = o.outputs[0] as number;
  // Without keep_dims the kept axes must come out in NHWC order: true from NCHW only if C is the last kept axis.
  const kept = [0, 1, 2, 3].filter((a) => !axes.includes(a)).map((a) => NHWC_AXIS_IN_NCHW[a] as number);
  const ordered = kept.every((v, i) => i === 0 || v > (kept[i - 1] as number));
  const nchw = rank === 4 && ctx.hasNchw(xi) && (keep || ordered);
  const layout: Layout = nchw && keep ? 'nchw' : 'nhwc';
  const x = ctx.value(xi, nchw ? 'nchw' : 'nhwc');
  const spatial = axes.length === 2 && axes.includes(1) && axes.includes(2);
  if (nchw && keep && spatial) {
    ctx.emit('GlobalAveragePool', [x], {}, [ctx.output(out, 'nchw')]);
    return;
  }
  const mapped = axes.map((a) => (nchw ? (NHWC_AXIS_IN_NCHW[a] as number) : a)).sort((a, b) => a - b);
  ctx.emit('ReduceMean', [x], { axes: mapped, keepdims: keep ? 1 : 0 }, [ctx.output(out, layout)]);
};

const softmax: Mapper = (ctx, o) => {
  const xi = o.inputs[0] as number;
  const rank = ctx.rank(xi);
  const nchw = rank === 4 && ctx.hasNchw(xi);
  const layout: Layout = nchw ? 'nchw' : 'nhwc';
  let x = ctx.value(xi, layout);
  const beta = o.options?.float(0, 1) ?? 1;
  if (beta !== 1) {
    const scaled = ctx.fresh(`${ctx.label}/beta`);
    ctx.emit('Mul', [x, ctx.scalar(`${scaled}/value`, beta)], {}, [scaled]);
    x = scaled;
  }
  ctx.emit('Softmax', [x], { axis: nchw ? 1 : rank - 1 }, [ctx.output(o.outputs[0] as number, layout)]);
};

/** DEQUANTIZE of an fp16 constant folds into an fp32 constant: no node. */
const dequantize: Mapper = (ctx, o) => {
  const xi = o.inputs[0] as number;
  const t = ctx.tensor(xi);
  const c = ctx.constant(xi);
  if (!c || t.type !== TensorType.FLOAT16) {
    throw new UnsupportedAttributeError(
      ctx.label,
      ctx.opName,
      'input',
      `'${t.name}' must be a FLOAT16 constant (fp16 weights); runtime or integer DEQUANTIZE is not supported`,
    );
  }
  ctx.setConstant(o.outputs[0] as number, c);
};

const BUILTINS: Partial<Record<number, Mapper>> = {
  [BuiltinOp.ADD]: needs(2, binary('Add')),
  [BuiltinOp.SUB]: needs(2, binary('Sub')),
  [BuiltinOp.MUL]: needs(2, binary('Mul')),
  [BuiltinOp.CONV_2D]: needs(2, (ctx, o) => convOp(ctx, o, false)),
  [BuiltinOp.DEPTHWISE_CONV_2D]: needs(2, (ctx, o) => convOp(ctx, o, true)),
  [BuiltinOp.AVERAGE_POOL_2D]: needs(1, (ctx, o) => poolOp(ctx, o, false)),
  [BuiltinOp.MAX_POOL_2D]: needs(1, (ctx, o) => poolOp(ctx, o, true)),
  [BuiltinOp.TRANSPOSE_CONV]: needs(3, transposeConvOp),
  [BuiltinOp.FULLY_CONNECTED]: needs(2, fullyConnectedOp),
  [BuiltinOp.HARD_SWISH]: needs(1, unary('HardSwish')),
  [BuiltinOp.LOGISTIC]: needs(1, unary('Sigmoid')),
  [BuiltinOp.RELU]: needs(1, activationOp(Activation.RELU)),
  [BuiltinOp.RELU6]: needs(1, activationOp(Activation.RELU6)),
  [BuiltinOp.RELU_N1_TO_1]: needs(1, activationOp(Activation.RELU_N1_TO_1)),
  [BuiltinOp.TANH]: needs(1, activationOp(Activation.TANH)),
  [BuiltinOp.RESIZE_BILINEAR]: needs(1, (ctx, o) => resizeOp(ctx, o, true)),
  [BuiltinOp.RESIZE_NEAREST_NEIGHBOR]: needs(1, (ctx, o) => resizeOp(ctx, o, false)),
  [BuiltinOp.CONCATENATION]: needs(1, concatenation),
  [BuiltinOp.RESHAPE]: needs(1, reshape),
  [BuiltinOp.TRANSPOSE]: needs(2, transpose),
  [BuiltinOp.PAD]: needs(2, pad),
  [BuiltinOp.MEAN]: needs(2, mean),
  [BuiltinOp.SOFTMAX]: needs(1, softmax),
  [BuiltinOp.DEQUANTIZE]: needs(1, dequantize),
};

const CUSTOMS: Record<string, Mapper> = {
  Convolution2DTransposeBias: needs(2, transposeConvBiasOp),
};

export const SUPPORTED_BUILTINS: readonly string[] = Object.keys(BUILTINS).map((k) => builtinName(Number(k)));
export const SUPPORTED_CUSTOM: readonly string[] = Object.keys(CUSTOMS);

/** Converts one TFLite operator (builtin or custom) into atrous nodes. */
export function convertOperator(ctx: TflContext, op: TflOperator): void {
  const code = ctx.model.operatorCodes[op.opcodeIndex];
  if (!code) {
    throw new ModelFormatError(
      `TFLite operator ${op.index} uses opcode_index ${op.opcodeIndex}, but the model has ${ctx.model.operatorCodes.length} operator codes`,
    );
  }
  ctx.op = op;
  if (code.builtin === BuiltinOp.CUSTOM) {
    ctx.opName = code.custom || '(unnamed custom op)';
    const m = Object.hasOwn(CUSTOMS, code.custom) ? CUSTOMS[code.custom] : undefined; // not Object.prototype's
    if (!m) throw new UnsupportedOpError(ctx.label, ctx.opName, SUPPORTED_CUSTOM, 'TFLite custom');
    m(ctx, op);
    return;
  }
  ctx.opName = builtinName(code.builtin);
  const m = BUILTINS[code.builtin];
  if (!m) throw new UnsupportedOpError(ctx.label, ctx.opName, SUPPORTED_BUILTINS, 'TFLite');
  m(ctx, op);
}
