import { stringAttr } from '../../../../graph/attrs.js';
import type { Node } from '../../../../graph/ir.js';
import {
  type CoordinateMode,
  checkLinearAxes,
  type NearestMode,
  resizePlan,
  upsamplePlan,
} from '../../../ops/resize.js';
import { nearestIndex, sourceCoordinate } from '../../ref/kernels/resize.js';
import { count, type LowerContext, type Lowering, WebGpuUnsupportedError } from '../types.js';
import { Uniforms } from '../uniforms.js';
import { requireFloat32 } from './common.js';

interface Mode {
  coord: CoordinateMode;
  linear: boolean;
  nearest: NearestMode;
}

/**
 * Taps {i0, i1, w0, w1} per output index of one axis, with the reference backend's own float32
 * coordinate functions, so GPU and CPU pick the same source pixels in every ONNX mode.
 */
function taps(
  mode: Mode,
  scale: number,
  inSize: number,
  outSize: number,
  out: Uint32Array,
  f: Float32Array,
  at: number,
) {
  for (let i = 0; i < outSize; i++) {
    const c = sourceCoordinate(mode.coord, i, scale, inSize, outSize);
    let i0: number;
    let i1: number;
    let w1: number;
    if (mode.linear) {
      const cc = Math.min(Math.max(c, 0), inSize - 1);
      i0 = Math.min(Math.trunc(cc), inSize - 1);
      i1 = Math.min(i0 + 1, inSize - 1);
      w1 = i0 === i1 ? 0 : cc - i0;
    } else {
      i0 = nearestIndex(mode.nearest, c, scale, inSize);
      i1 = i0;
      w1 = 0;
    }
    const k = (at + i) * 4;
    out[k] = i0;
    out[k + 1] = i1;
    f[k + 2] = 1 - w1;
    f[k + 3] = w1;
  }
}

function lowerResize(
  node: Node,
  ctx: LowerContext,
  mode: Mode,
  scaleName: string,
  sizeName: string,
): ReturnType<Lowering> {
  const [x = ''] = node.inputs;
  const y = node.outputs[0] as string;
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
  if (mode.linear) checkLinearAxes(node, plan);
  const out = ctx.dims(y);
  const rank = xd.length;
  // Outer axes must map each index to itself (tf_half_pixel_for_nn with ceil rounding does not).
  const outerSame = xd.slice(0, -2).every((d, a) => {
    if (d !== out[a]) return false;
    if (mode.linear) return true;
    const scale = plan.scales[a] as number;
    for (let i = 0; i < d; i++) {
      if (nearestIndex(mode.nearest, sourceCoordinate(mode.coord, i, scale, d, d), scale, d) !== i)
        return false;
    }
    return true;
  });
  if (!outerSame)
    throw new WebGpuUnsupportedError(node, 'resizing (or shifting) axes other than the last two');
  const [H, W] = rank === 1 ? [1, xd[0] as number] : (xd.slice(-2) as [number, number]);
  const [OH, OW] = rank === 1 ? [1, out[0] as number] : (out.slice(-2) as [number, number]);
  const scales = plan.scales;
  const table = new Uint32Array((OH + OW) * 4);
  const f = new Float32Array(table.buffer);
  if (rank === 1) taps({ ...mode, linear: false, nearest: 'floor' }, 1, 1, 1, table, f, 0);
  else taps(mode, scales[rank - 2] as number, H, OH, table, f, 0);
  taps(mode, scales[rank - 1] as number, W, OW, table, f, OH);
  const n = OH * OW;
  const planes = count(out) / Math.max(1, n);
  return [
    {
      kind: 'dispatch',
      stem: 'resize',
      overrides: {},
      uniforms: new Uniforms().u(n, H, W, OH, OW, planes, 0, 0).bytes(),
      bindings: [
        { kind: 'value', name: x },
        { kind: 'data', data: table, label: 'taps' },
        { kind: 'value', name: y },
      ],
      invocations: n,
    },
  ];
}

export const Resize: Lowering = (node, ctx) =>
  lowerResize(
    node,
    ctx,
    {
      coord: stringAttr(node, 'coordinate_transformation_mode', 'half_pixel') as CoordinateMode,
      linear: stringAttr(node, 'mode', 'nearest') === 'linear',
      nearest: stringAttr(node, 'nearest_mode', 'round_prefer_floor') as NearestMode,
    },
    node.inputs[2] ?? '',
    node.inputs[3] ?? '',
  );

export const Upsample: Lowering = (node, ctx) =>
  lowerResize(
    node,
    ctx,
    { coord: 'asymmetric', linear: stringAttr(node, 'mode', 'nearest') === 'linear', nearest: 'simple' },
    node.inputs[1] ?? '',
    '',
  );
