import { ShapeError } from '../../../../errors.js';
import { stringAttr } from '../../../../graph/attrs.js';
import type { Node } from '../../../../graph/ir.js';
import {
  type CoordinateMode,
  checkLinearAxes,
  type NearestMode,
  type ResizePlan,
  resizePlan,
  upsamplePlan,
} from '../../../ops/resize.js';
import type { RefKernel } from '../../../ops/types.js';
import { stridesOf, Tensor } from '../../../tensor.js';

const f = Math.fround;

/**
 * Output coordinate → input coordinate, in float32 arithmetic as onnxruntime computes it (so that
 * nearest-neighbour ties land on the same side).
 */
export function sourceCoordinate(
  mode: CoordinateMode,
  x: number,
  scale: number,
  inSize: number,
  outSize: number,
): number {
  switch (mode) {
    case 'half_pixel':
      return f(f(f(x + 0.5) / scale) - 0.5);
    case 'pytorch_half_pixel':
      return outSize > 1 ? f(f(f(x + 0.5) / scale) - 0.5) : 0;
    case 'align_corners':
      return outSize === 1 ? 0 : f(f(x * (inSize - 1)) / (outSize - 1));
    case 'asymmetric':
      return f(x / scale);
    case 'tf_half_pixel_for_nn':
      return f(f(x + 0.5) / scale);
  }
}

/** The input index nearest to coordinate c, clamped into [0, inSize). */
export function nearestIndex(mode: NearestMode, c: number, scale: number, inSize: number): number {
  let i: number;
  switch (mode) {
    case 'round_prefer_floor':
      i = c === Math.trunc(c) + 0.5 ? Math.floor(c) : Math.round(c);
      break;
    case 'round_prefer_ceil':
      i = Math.round(c);
      break;
    case 'floor':
      i = Math.floor(c);
      break;
    case 'ceil':
      i = Math.ceil(c);
      break;
    case 'simple':
      i = scale < 1 ? Math.ceil(c) : Math.trunc(c);
      break;
  }
  return Math.min(Math.max(i, 0), inSize - 1);
}

/** The source of one output index along an axis: rows (columns) i0, i1 and the weight of i1. */
export interface AxisTap {
  i0: number;
  i1: number;
  w1: number;
}

/**
 * Taps of one axis for every output index, shared by every backend so that all pick the same
 * source pixels. An axis of scale 1 maps each index to itself, as onnxruntime does (only
 * tf_half_pixel_for_nn moves it otherwise: by half a pixel, which nearest rounding or a lerp turns
 * into a shift). Nearest: i0 = i1, w1 = 0. Linear: the two neighbours of the edge-clamped coordinate.
 */
export function axisTaps(
  o: { coord: CoordinateMode; linear: boolean; nearest: NearestMode },
  scale: number,
  inSize: number,
  outSize: number,
): AxisTap[] {
  return Array.from({ length: outSize }, (_, i) => {
    if (scale === 1 && inSize === outSize) return { i0: i, i1: i, w1: 0 };
    const c = sourceCoordinate(o.coord, i, scale, inSize, outSize);
    if (!o.linear) {
      const i0 = nearestIndex(o.nearest, c, scale, inSize);
      return { i0, i1: i0, w1: 0 };
    }
    const cc = Math.min(Math.max(c, 0), inSize - 1);
    const i0 = Math.min(Math.trunc(cc), inSize - 1);
    const i1 = Math.min(i0 + 1, inSize - 1);
    return { i0, i1, w1: i0 === i1 ? 0 : cc - i0 };
  });
}

/** A plan on a concrete input: every output dim is a number. */
interface Concrete {
  out: number[];
  scales: number[];
}

interface Options {
  coord: CoordinateMode;
  linear: boolean;
  nearest: NearestMode;
}

/** Every output element copies the nearest input element (any dtype). */
function resizeNearest(x: Tensor, plan: Concrete, o: Options): Tensor {
  const strides = stridesOf(x.dims);
  const maps = plan.out.map((n, a) =>
    Int32Array.from(
      axisTaps(o, plan.scales[a] as number, x.dims[a] as number, n),
      (t) => t.i0 * (strides[a] as number),
    ),
  );
  const y = new Tensor(x.dtype, plan.out);
  const src = x.data as Float32Array;
  const dst = y.data as Float32Array;
  const idx = new Array<number>(plan.out.length).fill(0);
  for (let i = 0; i < y.size; i++) {
    let s = 0;
    for (let a = 0; a < idx.length; a++) s += (maps[a] as Int32Array)[idx[a] as number] as number;
    dst[i] = src[s] as number;
    for (let a = idx.length - 1; a >= 0; a--) {
      idx[a] = (idx[a] as number) + 1;
      if ((idx[a] as number) < (plan.out[a] as number)) break;
      idx[a] = 0;
    }
  }
  return y;
}

/** Two taps and their weights along one axis for linear interpolation (edge-clamped). */
function linearTaps(o: Options, plan: Concrete, axis: number, inSize: number) {
  return axisTaps(o, plan.scales[axis] as number, inSize, plan.out[axis] as number).map((t) => ({
    ...t,
    w0: 1 - t.w1,
  }));
}

/** Bilinear on the last two axes; all outer axes keep their size (checked by checkLinearAxes). */
function resizeLinear(x: Tensor, plan: Concrete, o: Options): Tensor {
  const rank = x.rank;
  const [H, W] = rank === 1 ? [1, x.dims[0] as number] : (x.dims.slice(-2) as [number, number]);
  const hAxis = rank - 2;
  const wAxis = rank - 1;
  const rows = rank === 1 ? [{ i0: 0, i1: 0, w0: 1, w1: 0 }] : linearTaps(o, plan, hAxis, H);
  const cols = linearTaps(o, plan, wAxis, W);
  const planes = x.size / (H * W);
  const y = new Tensor(x.dtype, plan.out);
  const xd = x.data as Float32Array;
  const yd = y.data as Float32Array;
  let k = 0;
  for (let p = 0; p < planes; p++) {
    const base = p * H * W;
    for (const r of rows) {
      for (const c of cols) {
        const v00 = xd[base + r.i0 * W + c.i0] as number;
        const v01 = xd[base + r.i0 * W + c.i1] as number;
        const v10 = xd[base + r.i1 * W + c.i0] as number;
        const v11 = xd[base + r.i1 * W + c.i1] as number;
        yd[k++] = r.w0 * (c.w0 * v00 + c.w1 * v01) + r.w1 * (c.w0 * v10 + c.w1 * v11);
      }
    }
  }
  return y;
}

function resize(node: Node, x: Tensor, plan: ResizePlan | undefined, o: Options): Tensor {
  if (!plan) throw new ShapeError(node.name, node.op, 'scales/sizes could not be read');
  const concrete: Concrete = { out: plan.out as number[], scales: plan.scales };
  if (!o.linear) return resizeNearest(x, concrete, o);
  checkLinearAxes(node, plan);
  return resizeLinear(x, concrete, o);
}

export const Resize: RefKernel = (node, inputs) => {
  const x = inputs[0] as Tensor;
  return [
    resize(node, x, resizePlan(node, x.dims, inputs[2], inputs[3]), {
      coord: stringAttr(node, 'coordinate_transformation_mode', 'half_pixel') as CoordinateMode,
      linear: stringAttr(node, 'mode', 'nearest') === 'linear',
      nearest: stringAttr(node, 'nearest_mode', 'round_prefer_floor') as NearestMode,
    }),
  ];
};

/** Upsample: Resize with asymmetric coordinates and onnxruntime's "simple" nearest rounding. */
export const Upsample: RefKernel = (node, inputs) => {
  const x = inputs[0] as Tensor;
  return [
    resize(node, x, upsamplePlan(node, x.dims, inputs[1]), {
      coord: 'asymmetric',
      linear: stringAttr(node, 'mode', 'nearest') === 'linear',
      nearest: 'simple',
    }),
  ];
};
