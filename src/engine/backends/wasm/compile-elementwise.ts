import { UnsupportedAttributeError } from '../../../errors.js';
import { floatAttr, intAttr } from '../../../graph/attrs.js';
import { type Ctx, elements, type Step } from './context.js';
import { actArgs, type Kernels } from './kernels.js';
import { coalesce, logicalStrides, rowMajorStrides, type Val } from './values.js';

const BINARY_CODES: Readonly<Record<string, number>> = { Add: 0, Sub: 1, Mul: 2, Div: 3, PRelu: 4 };

/** y = a (op) b with numpy broadcasting, y laid out as y.perm, a and b read through strides. */
export function binaryStep(k: Kernels, op: number, a: Val, b: Val, y: Val): Step {
  const r = y.dims.length;
  const strideFor = (v: Val) => {
    const s = logicalStrides(v.dims, v.perm);
    const lead = r - v.dims.length;
    return y.perm.map((L) => (L < lead || v.dims[L - lead] === 1 ? 0 : (s[L - lead] as number)));
  };
  const dims = y.perm.map((L) => y.dims[L] as number);
  const c = coalesce(dims, [strideFor(a), strideFor(b), rowMajorStrides(dims)]);
  const [as, bs] = c.strides as [number[], number[]];
  const args = [...c.dims, ...as, ...bs];
  return () => {
    for (const [ao, bo, yo] of c.outer as [number, number, number][])
      k.binaryStrided(op, a.ptr + ao * 4, b.ptr + bo * 4, y.ptr + yo * 4, ...args);
  };
}

/** The layout of a broadcast result: that of a run-time input of the same rank, else default. */
function resultPerm(ctx: Ctx, rank: number, ins: Val[]): readonly number[] {
  const same = ins.find((v, i) => v.dims.length === rank && !ctx.constant(i));
  return same ? same.perm : rank === 4 ? [0, 2, 3, 1] : Array.from({ length: rank }, (_, i) => i);
}

export function compileBinary(ctx: Ctx): Step[] {
  const a = ctx.input(0);
  const b = ctx.input(1);
  const rank = (ctx.infos.get(ctx.node.outputs[0] as string)?.shape.length ?? 0) as number;
  const y = ctx.output(0, resultPerm(ctx, rank, [a, b]));
  return [binaryStep(ctx.k, BINARY_CODES[ctx.node.op] as number, a, b, y)];
}

function unaryParams(ctx: Ctx): number[] {
  const { node } = ctx;
  switch (node.op) {
    case 'Clip': {
      const bound = (i: number, attr: string, fallback: number) => {
        if (!node.inputs[i]) return floatAttr(node, attr, fallback);
        const t = ctx.constant(i);
        if (!t)
          throw new UnsupportedAttributeError(
            node.name,
            node.op,
            attr,
            'must be a constant on the WASM backend',
          );
        return t.get(0);
      };
      return [bound(1, 'min', Number.NEGATIVE_INFINITY), bound(2, 'max', Number.POSITIVE_INFINITY)];
    }
    case 'HardSigmoid':
      return [floatAttr(node, 'alpha', 0.2), floatAttr(node, 'beta', 0.5)];
    case 'LeakyRelu':
      return [floatAttr(node, 'alpha', 0.01)];
    default:
      return [];
  }
}

export function compileActivation(ctx: Ctx): Step[] {
  const x = ctx.input(0);
  const y = ctx.output(0, x.perm);
  const [kind, p0, p1] = actArgs(ctx.node.op, unaryParams(ctx));
  const n = elements(x);
  return [() => ctx.k.unary(x.ptr, y.ptr, n, kind, p0, p1)];
}

/** Identity, Dropout (inference) and float32 → float32 Cast: a copy in the same layout. */
export function compileCopy(ctx: Ctx): Step[] {
  const { node } = ctx;
  const x = ctx.input(0);
  if (node.op === 'Cast' && x.dtype === 'int64' && intAttr(node, 'to', 1) === 1) {
    const y = ctx.output(0, x.perm);
    const n = elements(x);
    return [() => ctx.k.castI64F32(x.ptr, y.ptr, n)];
  }
  if (node.op === 'Cast' && (intAttr(node, 'to', 1) !== 1 || x.dtype !== 'float32')) {
    throw new UnsupportedAttributeError(
      node.name,
      node.op,
      'to',
      'the WASM backend casts only float32 to float32 at run time',
    );
  }
  if (node.outputs[1]) {
    throw new UnsupportedAttributeError(
      node.name,
      node.op,
      'mask',
      'the Dropout mask output is not supported on the WASM backend',
    );
  }
  const y = ctx.output(0, x.perm);
  const n = elements(x);
  return [() => ctx.k.unary(x.ptr, y.ptr, n, 0, 0, 0)];
}

/** Unfolded BatchNormalization: y = x * s + t per channel (s, t computed once). */
export function compileBatchNorm(ctx: Ctx): Step[] {
  const { node } = ctx;
  const x = ctx.input(0);
  const [scale, bias, mean, variance] = [1, 2, 3, 4].map((i) => {
    const t = ctx.constant(i);
    if (!t)
      throw new UnsupportedAttributeError(
        node.name,
        node.op,
        'params',
        'must be constants on the WASM backend',
      );
    return t.toNumbers();
  }) as [number[], number[], number[], number[]];
  const eps = floatAttr(node, 'epsilon', 1e-5);
  const C = x.dims[1] as number;
  const s = new Float32Array(C);
  const t = new Float32Array(C);
  for (let c = 0; c < C; c++) {
    s[c] = (scale[c] as number) / Math.sqrt((variance[c] as number) + eps);
    t[c] = (bias[c] as number) - (mean[c] as number) * (s[c] as number);
  }
  const dims = x.dims.map((d, i) => (i === 1 ? d : 1));
  const perm = dims.map((_, i) => i);
  const sv: Val = { ptr: ctx.upload(s), dims, perm, dtype: 'float32' };
  const tv: Val = { ptr: ctx.upload(t), dims, perm, dtype: 'float32' };
  const y = ctx.output(0, x.perm);
  return [binaryStep(ctx.k, 2, x, sv, y), binaryStep(ctx.k, 0, y, tv, y)];
}
