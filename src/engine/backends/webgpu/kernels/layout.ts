import { floatAttr, intAttr, stringAttr } from '../../../../graph/attrs.js';
import type { Node } from '../../../../graph/ir.js';
import { gatherIndices } from '../../../ops/gather.js';
import { padAmounts, padWindow } from '../../../ops/pad.js';
import { normAxis } from '../../../ops/shape-utils.js';
import { sliceRanges } from '../../../ops/slice.js';
import { permOf } from '../../../ops/transpose.js';
import type { ValueInfo } from '../../../ops/types.js';
import { count, type LowerContext, type Lowering, type Step, WebGpuUnsupportedError } from '../types.js';
import { Uniforms } from '../uniforms.js';
import { broadcastStrides, collapseAxes, requireFloat32, requireRank, strides } from './common.js';

/** 32-bit words per element of a value the copy kernel can move. */
function wordsOf(node: Node, ctx: LowerContext, name: string): number {
  const dtype = ctx.dtype(name);
  if (dtype === 'float32' || dtype === 'int32') return 1;
  if (dtype === 'int64') return 2;
  throw new WebGpuUnsupportedError(node, `value '${name}' is ${dtype}; copies move 32- and 64-bit elements`);
}

export interface Region {
  dims: number[];
  srcBase: number;
  srcStrides: number[];
  dstBase: number;
  dstStrides: number[];
}

/** copy.wgsl (copy_nd.wgsl) over `r` (element units); 64-bit elements become an innermost axis of two words. */
export function stridedCopy(node: Node, ctx: LowerContext, src: string, dst: string, r: Region): Step {
  const words = wordsOf(node, ctx, src);
  const scale = (s: number[]) => s.map((v) => v * words);
  requireRank(node, r.dims);
  // Collapsed to the fewest axes (at least two): copy.wgsl walks two, copy_nd.wgsl more.
  const walk = collapseAxes(words === 2 ? [...r.dims, 2] : r.dims, [
    words === 2 ? [...scale(r.srcStrides), 1] : r.srcStrides,
    words === 2 ? [...scale(r.dstStrides), 1] : r.dstStrides,
  ]);
  const dims = walk.dims;
  const [ss = [], ds = []] = walk.strides;
  requireRank(node, dims);
  const n = count(dims);
  return {
    kind: 'dispatch',
    stem: dims.length > 2 ? 'copy_nd' : 'copy',
    overrides: {},
    uniforms: new Uniforms()
      .u(n, dims.length)
      .i(r.srcBase * words, r.dstBase * words)
      .vec8('u', dims)
      .vec8('i', ss)
      .vec8('i', ds)
      .bytes(),
    bindings: [
      { kind: 'value', name: src },
      { kind: 'value', name: dst },
    ],
    invocations: n,
  };
}

/** Reshape family, Identity, Dropout (inference): the bytes do not change, one buffer copy. */
export const relabel: Lowering = (node, ctx) => {
  if (node.outputs[1]) throw new WebGpuUnsupportedError(node, 'the Dropout mask output');
  const [x = ''] = node.inputs;
  const y = node.outputs[0] as string;
  wordsOf(node, ctx, x);
  const bytes = count(ctx.dims(y)) * (ctx.dtype(y) === 'int64' ? 8 : 4);
  return [{ kind: 'copy', src: x, dst: y, bytes }];
};

export const Transpose: Lowering = (node, ctx) => {
  const [x = ''] = node.inputs;
  const y = node.outputs[0] as string;
  const xd = ctx.dims(x);
  const perm = permOf(node, xd.length);
  const xs = strides(xd);
  const dims = perm.map((p) => xd[p] as number);
  return [
    stridedCopy(node, ctx, x, y, {
      dims,
      srcBase: 0,
      srcStrides: perm.map((p) => xs[p] as number),
      dstBase: 0,
      dstStrides: strides(dims),
    }),
  ];
};

function infosOf(node: Node, ctx: LowerContext): (ValueInfo | undefined)[] {
  return node.inputs.map((name) => {
    if (!name) return undefined;
    const value = ctx.constant(name);
    return {
      dtype: ctx.dtype(name) as ValueInfo['dtype'],
      shape: ctx.dims(name),
      ...(value ? { value } : {}),
    };
  });
}

export const Slice: Lowering = (node, ctx) => {
  const [x = ''] = node.inputs;
  const y = node.outputs[0] as string;
  const xd = ctx.dims(x);
  const ranges = sliceRanges(node, xd, infosOf(node, ctx));
  const xs = strides(xd);
  const dims = ranges.map((r) => r.len);
  return [
    stridedCopy(node, ctx, x, y, {
      dims,
      srcBase: ranges.reduce((a, r, i) => a + r.start * (xs[i] as number), 0),
      srcStrides: ranges.map((r, i) => r.step * (xs[i] as number)),
      dstBase: 0,
      dstStrides: strides(dims),
    }),
  ];
};

/** Concat by offset: each input is copied into its slab of the output along the axis. */
export const Concat: Lowering = (node, ctx) => {
  const y = node.outputs[0] as string;
  const out = ctx.dims(y);
  const axis = normAxis(node, intAttr(node, 'axis'), out.length);
  const os = strides(out);
  let offset = 0;
  const steps: Step[] = [];
  for (const x of node.inputs) {
    if (!x) continue;
    const xd = ctx.dims(x);
    if (count(xd) > 0) {
      steps.push(
        stridedCopy(node, ctx, x, y, {
          dims: xd,
          srcBase: 0,
          srcStrides: strides(xd),
          dstBase: offset * (os[axis] as number),
          dstStrides: os,
        }),
      );
    }
    offset += xd[axis] as number;
  }
  return steps;
};

export const Split: Lowering = (node, ctx) => {
  const [x = ''] = node.inputs;
  const xd = ctx.dims(x);
  const axis = normAxis(node, intAttr(node, 'axis', 0), xd.length);
  const xs = strides(xd);
  let offset = 0;
  const steps: Step[] = [];
  for (const y of node.outputs) {
    if (!y) continue;
    const dims = ctx.dims(y);
    if (count(dims) > 0) {
      steps.push(
        stridedCopy(node, ctx, x, y, {
          dims,
          srcBase: offset * (xs[axis] as number),
          srcStrides: xs,
          dstBase: 0,
          dstStrides: strides(dims),
        }),
      );
    }
    offset += dims[axis] as number;
  }
  return steps;
};

export const Expand: Lowering = (node, ctx) => {
  const [x = ''] = node.inputs;
  const y = node.outputs[0] as string;
  const dims = ctx.dims(y);
  return [
    stridedCopy(node, ctx, x, y, {
      dims,
      srcBase: 0,
      srcStrides: broadcastStrides(ctx.dims(x), dims),
      dstBase: 0,
      dstStrides: strides(dims),
    }),
  ];
};

/** Gather on gather.wgsl, its indices constants (uploaded once, normalised); 32- and 64-bit data. */
export const Gather: Lowering = (node, ctx) => {
  const [x = '', indices = ''] = node.inputs;
  const words = wordsOf(node, ctx, x);
  const values = ctx.constant(indices);
  if (!values) throw new WebGpuUnsupportedError(node, 'indices that are not constants');
  const xd = ctx.dims(x);
  const axis = normAxis(node, intAttr(node, 'axis', 0), xd.length);
  const n = xd[axis] as number;
  const picks = Uint32Array.from(gatherIndices(values, n));
  const inner = count(xd.slice(axis + 1)) * words;
  const total = count(xd.slice(0, axis)) * picks.length * inner;
  return [
    {
      kind: 'dispatch',
      stem: 'gather',
      overrides: {},
      uniforms: new Uniforms().u(total, picks.length, inner, n).bytes(),
      bindings: [
        { kind: 'value', name: x },
        { kind: 'data', data: picks, label: 'indices' },
        { kind: 'value', name: node.outputs[0] as string },
      ],
      invocations: total,
    },
  ];
};

const PAD_CODES: Record<string, number> = { constant: 0, reflect: 1, edge: 2 };

/** Pad on pad.wgsl; pads, axes and the constant value must be constants. */
export const Pad: Lowering = (node, ctx) => {
  const [x = '', pads = '', value = '', axes = ''] = node.inputs;
  const y = node.outputs[0] as string;
  requireFloat32(node, ctx, [x]);
  const xd = ctx.dims(x);
  requireRank(node, xd);
  const infos = infosOf(node, ctx);
  const p = padAmounts(node, xd.length, pads ? infos[1] : undefined, axes ? infos[3] : undefined);
  if (!p) throw new WebGpuUnsupportedError(node, 'pads/axes that are not constants');
  const fill = value ? (ctx.constant(value)?.get(0) ?? Number.NaN) : floatAttr(node, 'value', 0);
  if (Number.isNaN(fill) && value)
    throw new WebGpuUnsupportedError(node, 'a constant_value that is not a constant');
  const out = ctx.dims(y);
  const xs = strides(xd);
  const windows = xd.map((d, a) => padWindow(d, p, a));
  const crop = windows.map((w) => w.start);
  const lens = windows.map((w) => w.length);
  const n = count(out);
  return [
    {
      kind: 'dispatch',
      stem: 'pad',
      overrides: { MODE: PAD_CODES[stringAttr(node, 'mode', 'constant')] ?? 0 },
      uniforms: new Uniforms()
        .u(n, xd.length)
        .f(fill)
        .i(crop.reduce((a, c, i) => a + c * (xs[i] as number), 0))
        .vec8('u', out)
        .vec8('i', lens)
        .vec8(
          'i',
          p.begin.map((b) => Math.max(0, b)),
        )
        .vec8('i', xs)
        .bytes(),
      bindings: [
        { kind: 'value', name: x },
        { kind: 'value', name: y },
      ],
      invocations: n,
    },
  ];
};

const CAST_KINDS: Record<string, number> = { float32: 0, int32: 1, int64: 2 };

/** Cast between float32, int32 and int64 on cast.wgsl. */
export const Cast: Lowering = (node, ctx) => {
  const [x = ''] = node.inputs;
  const y = node.outputs[0] as string;
  const [src, dst] = [CAST_KINDS[ctx.dtype(x)], CAST_KINDS[ctx.dtype(y)]];
  if (src === undefined || dst === undefined) {
    throw new WebGpuUnsupportedError(
      node,
      `Cast ${ctx.dtype(x)} -> ${ctx.dtype(y)} (float32, int32, int64 only)`,
    );
  }
  const n = count(ctx.dims(y));
  return [
    {
      kind: 'dispatch',
      stem: 'cast',
      overrides: { SRC: src, DST: dst },
      uniforms: new Uniforms().u(n, 0, 0, 0).bytes(),
      bindings: [
        { kind: 'value', name: x },
        { kind: 'value', name: y },
      ],
      invocations: n,
    },
  ];
};
