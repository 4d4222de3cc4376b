import { intAttr, stringAttr } from '../../../../graph/attrs.js';
import type { Node } from '../../../../graph/ir.js';
import {
  type CoordinateMode,
  checkLinearAxes,
  type NearestMode,
  resizePlan,
  upsamplePlan,
} from '../../../ops/resize.js';
import { axisTaps, type AxisTap as Tap } from '../../ref/kernels/resize.js';
import { count, type LowerContext, type Lowering, type Step, WebGpuUnsupportedError } from '../types.js';
import { Uniforms } from '../uniforms.js';
import { requireFloat32 } from './common.js';

interface Mode {
  coord: CoordinateMode;
  linear: boolean;
  nearest: NearestMode;
}

/** Most columns per cell (kernels/resize*.wgsl are unrolled for 8; rows: see PLAIN_ROWS). */
const MAX_CELL = 8;
/**
 * Words per segment in the table: i0, i1, first output, length, MAX_CELL weights; the kernels read
 * it as vec4s (3 per segment), so it stays a multiple of 4.
 */
const SEG_WORDS = 4 + MAX_CELL;
/**
 * Most rows per cell (columns go to MAX_CELL): taller cells save loads but compile slower on
 * SwiftShader (the cell is unrolled), and the fused kernels carry softmax/argmax state per slot.
 * Measured on Dawn/SwiftShader (8× bilinear, 21 channels): plain 4 rows ran as fast as 8 and
 * compiled faster; fused 2 rows ran as fast as 8 and compiled ~2.5× faster. Plain 2 rows compiled
 * ~40% less CPU than 4 (the compile is most of a lone resize's cold start) at no measurable
 * warm cost. The .wgsl files are unrolled for at most these (R in tools/gen_resize.py).
 */
const PLAIN_ROWS = 2;
const FUSED_ROWS = 2;

/**
 * What runs after the resize in the same dispatch (fused Softmax/ArgMax over the channel axis):
 * resize.wgsl, resize_softmax.wgsl or resize_argmax.wgsl ('softmax-argmax': the argmax of the
 * softmax, a Softmax whose only reader is an ArgMax; SOFTMAX override).
 */
export type ResizeHead = 'none' | 'softmax' | 'argmax' | 'softmax-argmax';
const KERNEL: Record<ResizeHead, { stem: string }> = {
  none: { stem: 'resize' },
  softmax: { stem: 'resize_softmax' },
  argmax: { stem: 'resize_argmax' },
  'softmax-argmax': { stem: 'resize_argmax' },
};

/** Runs of consecutive outputs that read the same source pair, each at most `most` long. */
function segments(t: Tap[], most: number): { start: number; len: number }[] {
  const out: { start: number; len: number }[] = [];
  t.forEach((tap, i) => {
    const last = out[out.length - 1];
    const prev = t[i - 1];
    if (last && prev && last.len < most && prev.i0 === tap.i0 && prev.i1 === tap.i1) last.len++;
    else out.push({ start: i, len: 1 });
  });
  return out;
}

/**
 * The longest run of equal taps, capped at MAX_CELL: the cell size along that axis (1 for an
 * empty axis, a downscale that floors to 0: the override must stay a finite count).
 */
function cellSize(t: Tap[]): number {
  return Math.max(1, ...segments(t, MAX_CELL).map((s) => s.len));
}

/** Writes the segments of one axis into the table at segment index `at` (offsets × stride). */
function packSegments(t: Tap[], most: number, stride: number, u: Uint32Array, f: Float32Array, at: number) {
  const segs = segments(t, most);
  segs.forEach((s, j) => {
    const k = (at + j) * SEG_WORDS;
    const first = t[s.start] as Tap;
    u[k] = first.i0 * stride;
    u[k + 1] = first.i1 * stride;
    u[k + 2] = s.start;
    u[k + 3] = s.len;
    // Slots past the length repeat the last weight (the kernel writes that output again).
    for (let d = 0; d < MAX_CELL; d++) f[k + 4 + d] = (t[s.start + Math.min(d, s.len - 1)] as Tap).w1;
  });
  return segs.length;
}

/**
 * Invocations worth having before planes are split across invocations. Software adapters run
 * fewest, fattest invocations best (8× bilinear, 21 planes on Dawn/SwiftShader: all planes in one
 * invocation ran ~4× faster than one plane each); 1024 keeps 16 workgroups for real GPUs.
 */
const TARGET_INVOCATIONS = 1024;

/**
 * Planes per invocation for a plain resize: the fewest (a divisor of `planes`) that still give
 * TARGET_INVOCATIONS, so the cell's taps and offsets are loaded once for many planes.
 */
function planesPerInvocation(planes: number, cells: number): number {
  let best = 1;
  for (let g = 1; g <= planes; g++) {
    if (planes % g !== 0) continue;
    if (cells * (planes / g) < TARGET_INVOCATIONS) break;
    best = g;
  }
  return best;
}

/** Resize (or Upsample) to one dispatch of resize*.wgsl, its output or the fused head's in `y`. */
function lowerResize(
  node: Node,
  ctx: LowerContext,
  mode: Mode,
  scaleName: string,
  sizeName: string,
  head: { kind: ResizeHead; y: string; selectLast: boolean },
): Step[] {
  const [x = ''] = node.inputs;
  requireFloat32(node, ctx, [x]);
  const xd = ctx.dims(x);
  const info = (name: string) =>
    name
      ? { dtype: ctx.dtype(name) as 'float32', shape: ctx.dims(name), value: ctx.constant(name) }
      : undefined;
  const plan =
    node.op === 'Upsample'
      ? upsamplePlan(node, xd, info(scaleName))
      : resizePlan(node, xd, info(scaleName), info(sizeName));
  if (!plan) throw new WebGpuUnsupportedError(node, 'scales/sizes that are not constants');
  if (!plan.out.every((d) => typeof d === 'number'))
    throw new WebGpuUnsupportedError(node, 'an output size that is not known at prepare');
  if (mode.linear) checkLinearAxes(node, plan);
  const out = plan.out as number[];
  const rank = xd.length;
  // Outer axes must map each index to itself (a scale of 1 does: axisTaps).
  const outerSame = xd.slice(0, -2).every((d, a) => {
    if (d !== out[a]) return false;
    if (mode.linear) return true;
    return axisTaps(mode, plan.scales[a] as number, d, d).every((t, i) => t.i0 === i);
  });
  if (!outerSame)
    throw new WebGpuUnsupportedError(node, 'resizing (or shifting) axes other than the last two');
  const [H, W] = rank === 1 ? [1, xd[0] as number] : (xd.slice(-2) as [number, number]);
  const [OH, OW] = rank === 1 ? [1, out[0] as number] : (out.slice(-2) as [number, number]);
  const rowTaps =
    rank === 1 ? [{ i0: 0, i1: 0, w1: 0 }] : axisTaps(mode, plan.scales[rank - 2] as number, H, OH);
  const colTaps = axisTaps(mode, plan.scales[rank - 1] as number, W, OW);
  // A GPU wants an invocation per output (and per plane); a software adapter wants blocks of them.
  const by = ctx.software ? Math.min(cellSize(rowTaps), head.kind === 'none' ? PLAIN_ROWS : FUSED_ROWS) : 1;
  const bx = ctx.software ? cellSize(colTaps) : 1;
  const table = new Uint32Array((rowTaps.length + colTaps.length) * SEG_WORDS);
  const f = new Float32Array(table.buffer);
  const rows = packSegments(rowTaps, by, W, table, f, 0);
  const cols = packSegments(colTaps, bx, 1, table, f, rows);
  const cells = rows * cols;
  const planes = count(out) / Math.max(1, OH * OW);
  // Fused heads: a group is the channels of one batch item (the axis just before H, W).
  const G =
    head.kind !== 'none'
      ? rank >= 3
        ? Math.max(1, out[rank - 3] as number)
        : 1
      : ctx.software
        ? planesPerInvocation(planes, cells)
        : 1;
  // An empty output (no planes, channels or pixels) dispatches nothing.
  const groups = planes / G;
  return [
    {
      kind: 'dispatch',
      stem: KERNEL[head.kind].stem,
      overrides: {
        BY: by,
        BX: bx,
        LINEAR: mode.linear,
        ...(head.kind === 'argmax' || head.kind === 'softmax-argmax'
          ? { SOFTMAX: head.kind === 'softmax-argmax', SELECT_LAST: head.selectLast }
          : {}),
      },
      uniforms: new Uniforms()
        .u(cells * groups, cols, cells, G, H * W, OW, OH * OW, (rows * SEG_WORDS) / 4)
        .bytes(),
      bindings: [
        { kind: 'value', name: x },
        { kind: 'data', data: table.subarray(0, (rows + cols) * SEG_WORDS), label: 'segments' },
        { kind: 'value', name: head.y },
      ],
      invocations: count(out) === 0 ? 0 : cells * groups,
    },
  ];
}

function resizeMode(node: Node): Mode {
  if (node.op === 'Upsample')
    return {
      coord: 'asymmetric',
      linear: stringAttr(node, 'mode', 'nearest') === 'linear',
      nearest: 'simple',
    };
  return {
    coord: stringAttr(node, 'coordinate_transformation_mode', 'half_pixel') as CoordinateMode,
    linear: stringAttr(node, 'mode', 'nearest') === 'linear',
    nearest: stringAttr(node, 'nearest_mode', 'round_prefer_floor') as NearestMode,
  };
}

/**
 * The attribute the fusion (fuse-resize.ts) puts on a Resize that also computes its reader's
 * Softmax/ArgMax; the node's output is then the reader's output.
 */
export const FUSED_HEAD_ATTR = 'webgpu_fused_head';

function lowerAny(node: Node, ctx: LowerContext): Step[] {
  const kind = stringAttr(node, FUSED_HEAD_ATTR, 'none') as ResizeHead;
  const head = {
    kind,
    y: node.outputs[0] as string,
    selectLast: intAttr(node, 'select_last_index', 0) === 1,
  };
  const upsample = node.op === 'Upsample';
  return lowerResize(
    node,
    ctx,
    resizeMode(node),
    (upsample ? node.inputs[1] : node.inputs[2]) ?? '',
    upsample ? '' : (node.inputs[3] ?? ''),
    head,
  );
}

export const Resize: Lowering = lowerAny;
export const Upsample: Lowering = lowerAny;
