import { UnsupportedAttributeError } from '../../../errors.js';
import { floatAttr, intAttr, stringAttr } from '../../../graph/attrs.js';
import { gatherIndices } from '../../ops/gather.js';
import { type PadAmounts, padAmounts, padSource, padWindow } from '../../ops/pad.js';
import { normAxis } from '../../ops/shape-utils.js';
import { sliceRanges } from '../../ops/slice.js';
import { permOf } from '../../ops/transpose.js';
import type { ValueInfo } from '../../ops/types.js';
import { type Ctx, elements, type Step, steps } from './context.js';
import {
  defaultPerm,
  identity,
  logicalStrides,
  relayout,
  rowMajorStrides,
  sameOrder,
  stridedCopy,
  type Val,
} from './values.js';

function outDims(ctx: Ctx, i: number): number[] {
  return [...(ctx.infos.get(ctx.node.outputs[i] as string)?.shape ?? [])] as number[];
}

function inputInfos(ctx: Ctx): (ValueInfo | undefined)[] {
  return ctx.node.inputs.map((n) => (n ? ctx.infos.get(n) : undefined));
}

/**
 * Copies a region of `src` into `dst` (both any layout): `dims` logical, starting at logical
 * offsets, src axes stepping by `steps`. Iterates in dst's physical order so writes stream.
 */
function regionCopy(
  ctx: Ctx,
  src: Val,
  dst: Val,
  dims: readonly number[],
  srcStart: readonly number[],
  dstStart: readonly number[],
  stepsOf: readonly number[] = dims.map(() => 1),
): Step {
  const ss = logicalStrides(src.dims, src.perm);
  const ds = logicalStrides(dst.dims, dst.perm);
  const order = dst.perm;
  const copy = stridedCopy(
    ctx.k,
    order.map((L) => dims[L] as number),
    order.map((L) => (ss[L] as number) * (stepsOf[L] as number)),
    order.map((L) => ds[L] as number),
  );
  const so = srcStart.reduce((a, s, L) => a + s * (ss[L] as number), 0);
  const dof = dstStart.reduce((a, s, L) => a + s * (ds[L] as number), 0);
  return () => copy(src.ptr + so * 4, dst.ptr + dof * 4);
}

/** Reshape, Flatten, Squeeze, Unsqueeze: the logical (row-major) element order is kept. */
export function compileReshape(ctx: Ctx): Step[] {
  const x = ctx.input(0);
  const dims = outDims(ctx, 0);
  const y = ctx.output(0, defaultPerm(dims.length));
  const rowMajorOut = sameOrder(y.perm, identity(dims.length), dims);
  let src = x;
  let pre: Step | undefined;
  if (!sameOrder(x.perm, identity(x.dims.length), x.dims)) {
    if (rowMajorOut) {
      const copy = relayout(ctx.k, x, identity(x.dims.length));
      return [() => copy(y.ptr)];
    }
    const ptr = ctx.scratch(0);
    const copy = relayout(ctx.k, x, identity(x.dims.length));
    pre = () => copy(ptr);
    src = { ...x, ptr, perm: identity(x.dims.length) };
  }
  const n = elements(x);
  if (rowMajorOut) return steps(pre, () => ctx.k.unary(src.ptr, y.ptr, n, 0, 0, 0));
  // Row-major source viewed with the output's dims, written in the output's layout.
  const view: Val = { ...src, dims, perm: identity(dims.length) };
  return steps(
    pre,
    regionCopy(
      ctx,
      view,
      y,
      dims,
      dims.map(() => 0),
      dims.map(() => 0),
    ),
  );
}

export function compileTranspose(ctx: Ctx): Step[] {
  const x = ctx.input(0);
  const tp = permOf(ctx.node, x.dims.length);
  const dims = outDims(ctx, 0);
  const y = ctx.output(0, defaultPerm(dims.length));
  const xs = logicalStrides(x.dims, x.perm);
  const copy = stridedCopy(
    ctx.k,
    y.perm.map((L) => dims[L] as number),
    y.perm.map((L) => xs[tp[L] as number] as number),
    rowMajorStrides(y.perm.map((L) => dims[L] as number)),
  );
  return [() => copy(x.ptr, y.ptr)];
}

export function compileConcat(ctx: Ctx): Step[] {
  const dims = outDims(ctx, 0);
  const axis = normAxis(ctx.node, ctx.node.attrs.axis as number, dims.length);
  const y = ctx.output(0, defaultPerm(dims.length));
  let at = 0;
  return ctx.node.inputs.map((_, i) => {
    const x = ctx.input(i);
    const start = dims.map((_, L) => (L === axis ? at : 0));
    at += x.dims[axis] as number;
    return regionCopy(
      ctx,
      x,
      y,
      x.dims,
      x.dims.map(() => 0),
      start,
    );
  });
}

export function compileSplit(ctx: Ctx): Step[] {
  const x = ctx.input(0);
  const axis = normAxis(ctx.node, (ctx.node.attrs.axis as number | undefined) ?? 0, x.dims.length);
  let at = 0;
  const list: Step[] = [];
  ctx.node.outputs.forEach((name, i) => {
    const dims = outDims(ctx, i);
    const start = dims.map((_, L) => (L === axis ? at : 0));
    at += dims[axis] as number;
    if (!name) return;
    const y = ctx.output(i, defaultPerm(dims.length));
    list.push(
      regionCopy(
        ctx,
        x,
        y,
        dims,
        start,
        dims.map(() => 0),
      ),
    );
  });
  return list;
}

export function compileSlice(ctx: Ctx): Step[] {
  const x = ctx.input(0);
  const ranges = sliceRanges(ctx.node, x.dims, inputInfos(ctx));
  const dims = ranges.map((r) => r.len);
  const y = ctx.output(0, defaultPerm(dims.length));
  return [
    regionCopy(
      ctx,
      x,
      y,
      dims,
      ranges.map((r) => r.start),
      dims.map(() => 0),
      ranges.map((r) => r.step),
    ),
  ];
}

/**
 * Gather with constant indices: one region copy per run of consecutive indices (selecting a class
 * plane, say, is one copy). The output is laid out row-major so that it can be viewed with the
 * indices flattened into the gathered axis: [data dims before axis, m, data dims after].
 */
export function compileGather(ctx: Ctx): Step[] {
  const { node } = ctx;
  const x = ctx.input(0);
  const indices = ctx.constant(1);
  if (!indices)
    throw new UnsupportedAttributeError(
      node.name,
      node.op,
      'indices',
      'must be constants on the WASM backend',
    );
  const axis = normAxis(node, intAttr(node, 'axis', 0), x.dims.length);
  const n = x.dims[axis] as number;
  const dims = outDims(ctx, 0);
  const y = ctx.output(0, identity(dims.length));
  const picks = gatherIndices(indices, n);
  const viewDims = x.dims.map((d, L) => (L === axis ? picks.length : d));
  const view: Val = { ...y, dims: viewDims, perm: identity(viewDims.length) };
  const at = (L: number, i: number) => x.dims.map((_, a) => (a === L ? i : 0));
  const list: Step[] = [];
  for (let j = 0; j < picks.length; ) {
    let run = 1;
    while (j + run < picks.length && picks[j + run] === (picks[j] as number) + run) run++;
    const region = viewDims.map((d, L) => (L === axis ? run : d));
    list.push(regionCopy(ctx, x, view, region, at(axis, picks[j] as number), at(axis, j)));
    j += run;
  }
  return list;
}

export function compilePad(ctx: Ctx): Step[] {
  const { node } = ctx;
  const mode = stringAttr(node, 'mode', 'constant');
  const x = ctx.input(0);
  const infos = inputInfos(ctx);
  const p = padAmounts(node, x.dims.length, infos[1], infos[3]);
  if (!p)
    throw new UnsupportedAttributeError(node.name, node.op, 'pads', 'must be constants on the WASM backend');
  if (mode !== 'constant') return padByTables(ctx, x, p, mode);
  let value = floatAttr(node, 'value', 0);
  if (node.inputs[2]) {
    const v = ctx.constant(2);
    if (!v) throw new UnsupportedAttributeError(node.name, node.op, 'constant_value', 'must be a constant');
    value = v.get(0);
  }
  const dims = outDims(ctx, 0);
  const y = ctx.output(0, defaultPerm(dims.length));
  const srcStart = p.begin.map((b) => Math.max(0, -b));
  const dstStart = p.begin.map((b) => Math.max(0, b));
  const len = x.dims.map((d, L) =>
    Math.max(0, Math.min(d - (srcStart[L] as number), (dims[L] as number) - (dstStart[L] as number))),
  );
  const n = elements(y);
  const copy = len.every((l) => l > 0) ? regionCopy(ctx, x, y, len, srcStart, dstStart) : undefined;
  return steps(() => ctx.k.fill(y.ptr, n, value), copy);
}

export function compileExpand(ctx: Ctx): Step[] {
  const x = ctx.input(0);
  const dims = outDims(ctx, 0);
  const y = ctx.output(0, defaultPerm(dims.length));
  const xs = logicalStrides(x.dims, x.perm);
  const lead = dims.length - x.dims.length;
  const order = y.perm;
  const copy = stridedCopy(
    ctx.k,
    order.map((L) => dims[L] as number),
    order.map((L) => (L < lead || x.dims[L - lead] === 1 ? 0 : (xs[L - lead] as number))),
    rowMajorStrides(order.map((L) => dims[L] as number)),
  );
  return [() => copy(x.ptr, y.ptr)];
}

/**
 * edge / reflect Pad: one offset table per output axis, gathered by assembly/pad.ts. Each axis
 * reads its cropped window (negative pads crop first), as the ref backend does.
 */
function padByTables(ctx: Ctx, x: Val, p: PadAmounts, mode: string): Step[] {
  const dims = outDims(ctx, 0);
  const y = ctx.output(0, defaultPerm(dims.length));
  const xs = logicalStrides(x.dims, x.perm);
  const axes = y.perm.filter((L) => (dims[L] as number) > 1);
  if (axes.length > 4) {
    throw new UnsupportedAttributeError(
      ctx.node.name,
      ctx.node.op,
      'pads',
      'the WASM backend pads at most 4 axes of size > 1',
    );
  }
  const source = (L: number, o: number) => {
    const w = padWindow(x.dims[L] as number, p, L);
    const pre = Math.max(0, p.begin[L] as number);
    return (w.start + padSource(mode, o - pre, w.length)) * (xs[L] as number);
  };
  const tables = axes.map((L) => Int32Array.from({ length: dims[L] as number }, (_, o) => source(L, o)));
  // Axes of size 1 still read their one (mirrored) source index.
  const fixed = y.perm.filter((L) => (dims[L] as number) === 1).reduce((a, L) => a + source(L, 0), 0);
  while (tables.length < 4) tables.unshift(Int32Array.of(0));
  const ptrs = tables.map((t) => ctx.upload(t));
  const d = tables.map((t) => t.length);
  return [() => ctx.k.gatherAxes(x.ptr + fixed * 4, y.ptr, ...d, ...ptrs)];
}
