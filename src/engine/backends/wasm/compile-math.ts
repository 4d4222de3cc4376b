import { UnsupportedAttributeError } from '../../../errors.js';
import { floatAttr, floatsAttr, intAttr, stringAttr } from '../../../graph/attrs.js';
import { gemmDims } from '../../ops/gemm.js';
import { matmulShape } from '../../ops/matmul.js';
import { reducedAxes } from '../../ops/reduce.js';
import { normAxis } from '../../ops/shape-utils.js';
import type { Tensor } from '../../tensor.js';
import { type Ctx, ensureLayout, type Step, steps } from './context.js';
import { actArgs } from './kernels.js';
import { count, identity, relayout, sameOrder, type Val } from './values.js';

/** The value seen as [outer, len, inner] around logical axis `axis` in its physical layout. */
function around(x: Val, axis: number) {
  const phys = x.perm.map((a) => x.dims[a] as number);
  const j = x.perm.indexOf(axis);
  return { outer: count(phys.slice(0, j)), len: phys[j] as number, inner: count(phys.slice(j + 1)) };
}

export function compileSoftmax(ctx: Ctx): Step[] {
  const { node, k } = ctx;
  const x0 = ctx.input(0);
  const rank = x0.dims.length;
  const axis = normAxis(node, (node.attrs.axis as number | undefined) ?? -1, rank);
  if (intAttr(node, 'coerce_2d', 0) === 1 && axis !== rank - 1) {
    // Pre-13 semantics: one row per index of the leading axes, in row-major order.
    const { val: x, step: pre } = ensureLayout(ctx, x0, identity(rank), 0);
    const y = ctx.output(0, identity(rank));
    const outer = count(x.dims.slice(0, axis));
    const len = count(x.dims.slice(axis));
    return steps(pre, () => k.softmaxAxis(x.ptr, y.ptr, outer, len, 1));
  }
  const y = ctx.output(0, x0.perm);
  const { outer, len, inner } = around(x0, axis);
  return [() => k.softmaxAxis(x0.ptr, y.ptr, outer, len, inner)];
}

export function compileArgMax(ctx: Ctx): Step[] {
  const { node, k } = ctx;
  const x = ctx.input(0);
  const axis = normAxis(node, (node.attrs.axis as number | undefined) ?? 0, x.dims.length);
  const keep = intAttr(node, 'keepdims', 1) === 1;
  const last = intAttr(node, 'select_last_index', 0);
  const perm = keep ? x.perm : x.perm.filter((a) => a !== axis).map((a) => (a > axis ? a - 1 : a));
  const y = ctx.output(0, perm);
  const { outer, len, inner } = around(x, axis);
  return [() => k.argmaxAxis(x.ptr, y.ptr, outer, len, inner, last)];
}

export function compileReduce(ctx: Ctx): Step[] {
  const { node, k } = ctx;
  const x = ctx.input(0);
  const rank = x.dims.length;
  const infos = node.inputs.map((n) => (n ? ctx.infos.get(n) : undefined));
  const axes = reducedAxes(node, infos, rank);
  if (!axes)
    throw new UnsupportedAttributeError(node.name, node.op, 'axes', 'must be constants on the WASM backend');
  const keep = intAttr(node, 'keepdims', 1) === 1;
  const kept = x.perm.filter((a) => !axes.includes(a));
  const reduced = x.perm.filter((a) => axes.includes(a));
  const order = [...kept, ...reduced];
  let src = x.ptr;
  let pre: Step | undefined;
  if (!sameOrder(x.perm, order, x.dims)) {
    const ptr = ctx.scratch(0);
    const copy = relayout(k, x, order);
    pre = () => copy(ptr);
    src = ptr;
  }
  const perm = keep ? order : kept.map((a) => a - axes.filter((r) => r < a).length);
  const y = ctx.output(0, perm);
  const rows = count(kept.map((a) => x.dims[a] as number));
  const len = count(reduced.map((a) => x.dims[a] as number));
  const mode = node.op === 'ReduceMax' ? 1 : 0;
  if (axes.length === 0) return [() => k.unary(x.ptr, y.ptr, rows, 0, 0, 0)];
  return steps(pre, () => k.reduceRows(src, y.ptr, rows, len, mode));
}

function fused(ctx: Ctx): [number, number, number] {
  return actArgs(stringAttr(ctx.node, 'activation', ''), floatsAttr(ctx.node, 'activation_params', []));
}

/** A row-major copy of a 2-D value, transposed when `trans` (in scratch, or packed if constant). */
function matrix(
  ctx: Ctx,
  i: number,
  trans: boolean,
  scale: number,
  which: 0 | 1,
): { ptr: number; step?: Step } {
  const c = ctx.constant(i);
  if (c) {
    const [r, cols] = c.dims as [number, number];
    const d = c.data as Float32Array;
    const out = new Float32Array(r * cols);
    for (let a = 0; a < r; a++) {
      for (let b = 0; b < cols; b++)
        out[trans ? b * r + a : a * cols + b] = (d[a * cols + b] as number) * scale;
    }
    return { ptr: ctx.upload(out) };
  }
  if (scale !== 1) {
    throw new UnsupportedAttributeError(
      ctx.node.name,
      ctx.node.op,
      'alpha',
      'must be 1 when B is computed at run time (WASM backend)',
    );
  }
  const v = ctx.input(i);
  const perm = trans ? [1, 0] : [0, 1];
  if (sameOrder(v.perm, perm, v.dims) && !trans) return { ptr: v.ptr };
  const ptr = ctx.scratch(which);
  const copy = relayout(ctx.k, v, perm);
  return { ptr, step: () => copy(ptr) };
}

export function compileGemm(ctx: Ctx): Step[] {
  const { node, k } = ctx;
  const a = ctx.input(0);
  const bDims = ctx.infos.get(node.inputs[1] as string)?.shape as number[];
  const { m, k: K, n } = gemmDims(node, a.dims, bDims) as { m: number; k: number; n: number };
  const transA = intAttr(node, 'transA', 0) !== 0;
  const transB = intAttr(node, 'transB', 0) !== 0;
  const A = matrix(ctx, 0, transA, 1, 0);
  const B = matrix(ctx, 1, transB, floatAttr(node, 'alpha', 1), 1);
  let bias = 0;
  if (node.inputs[2]) {
    const c = ctx.constant(2) as Tensor | undefined;
    if (!c)
      throw new UnsupportedAttributeError(node.name, node.op, 'C', 'must be a constant on the WASM backend');
    const beta = floatAttr(node, 'beta', 1);
    const cd = c.dims;
    const rows = cd.length === 2 ? (cd[0] as number) : 1;
    const cols = cd.length >= 1 ? (cd[cd.length - 1] as number) : 1;
    const full = new Float32Array(m * n);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++)
        full[i * n + j] = c.get((rows === 1 ? 0 : i) * cols + (cols === 1 ? 0 : j)) * beta;
    }
    bias = ctx.upload(full);
  }
  const y = ctx.output(0, [0, 1]);
  const [kind, q0, q1] = fused(ctx);
  return steps(A.step, B.step, () => k.matmul(A.ptr, B.ptr, bias, y.ptr, m, K, n, n, kind, q0, q1));
}

export function compileMatMul(ctx: Ctx): Step[] {
  const { node, k } = ctx;
  const a0 = ctx.input(0);
  const b0 = ctx.input(1);
  const s = matmulShape(node, a0.dims, b0.dims);
  const [M, K, N] = [s.m, s.k, s.n] as [number, number, number];
  const A = ensureLayout(ctx, a0, identity(a0.dims.length), 0);
  const B = ensureLayout(ctx, b0, identity(b0.dims.length), 1);
  const y = ctx.output(0, identity(s.out.length));
  const batch = s.batch as number[];
  const offsets = (dims: readonly number[], mat: number) => {
    const lead = dims.slice(0, Math.max(0, dims.length - 2));
    const pad = batch.length - lead.length;
    const list: number[] = [];
    const idx = new Array<number>(batch.length).fill(0);
    for (let b = 0; b < count(batch); b++) {
      let off = 0;
      lead.forEach((d, i) => {
        off = off * d + (d === 1 ? 0 : (idx[i + pad] as number));
      });
      list.push(off * mat * 4);
      for (let j = batch.length - 1; j >= 0; j--) {
        idx[j] = (idx[j] as number) + 1;
        if ((idx[j] as number) < (batch[j] as number)) break;
        idx[j] = 0;
      }
    }
    return list;
  };
  const ao = offsets(a0.dims, M * K);
  const bo = offsets(b0.dims, K * N);
  return steps(A.step, B.step, () => {
    for (let i = 0; i < ao.length; i++) {
      k.matmul(
        A.val.ptr + (ao[i] as number),
        B.val.ptr + (bo[i] as number),
        0,
        y.ptr + i * M * N * 4,
        M,
        K,
        N,
        0,
        0,
        0,
        0,
      );
    }
  });
}
