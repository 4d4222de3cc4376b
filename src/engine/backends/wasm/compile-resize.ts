import { UnsupportedAttributeError } from '../../../errors.js';
import { stringAttr } from '../../../graph/attrs.js';
import { type CoordinateMode, type NearestMode, resizePlan, upsamplePlan } from '../../ops/resize.js';
import type { ValueInfo } from '../../ops/types.js';
import { axisTaps } from '../ref/kernels/resize.js';
import { type Ctx, ensureLayout, type Step, steps } from './context.js';
import { channelsLast, identity } from './values.js';

interface Options {
  coord: CoordinateMode;
  linear: boolean;
  nearest: NearestMode;
}

/** Tap table of one axis: (i0, i1, weight of i1) per output index, as the ref kernel computes. */
function taps(o: Options, inSize: number, outSize: number, scale: number): ArrayBuffer {
  const buf = new ArrayBuffer(outSize * 12);
  const ints = new Int32Array(buf);
  const floats = new Float32Array(buf);
  axisTaps(o, scale, inSize, outSize).forEach((t, i) => {
    ints[i * 3] = t.i0;
    ints[i * 3 + 1] = t.i1;
    floats[i * 3 + 2] = t.w1;
  });
  return buf;
}

/** Resize / Upsample of the spatial axes of an (N, C, H, W) tensor, every coordinate mode. */
export function compileResize(ctx: Ctx): Step[] {
  const { node, k } = ctx;
  const x0 = ctx.input(0);
  const info = (i: number): ValueInfo | undefined => {
    const name = node.inputs[i];
    return name ? ctx.infos.get(name) : undefined;
  };
  const upsample = node.op === 'Upsample';
  const plan = upsample ? upsamplePlan(node, x0.dims, info(1)) : resizePlan(node, x0.dims, info(2), info(3));
  const bad = (problem: string): never => {
    throw new UnsupportedAttributeError(node.name, node.op, 'scales', problem);
  };
  if (!plan) return bad('scales/sizes must be constants on the WASM backend');
  const out = plan.out as number[];
  if (x0.dims.length !== 4 || out[0] !== x0.dims[0] || out[1] !== x0.dims[1]) {
    return bad('the WASM backend resizes only the two spatial axes of a 4-D tensor');
  }
  const o: Options = upsample
    ? { coord: 'asymmetric', linear: stringAttr(node, 'mode', 'nearest') === 'linear', nearest: 'simple' }
    : {
        coord: stringAttr(node, 'coordinate_transformation_mode', 'half_pixel') as CoordinateMode,
        linear: stringAttr(node, 'mode', 'nearest') === 'linear',
        nearest: stringAttr(node, 'nearest_mode', 'round_prefer_floor') as NearestMode,
      };
  // Channels-last when a reader wants it, else row-major (a graph output, activations): the
  // layout change, if any, then happens on the input, which for an upsampling is the small side.
  const rowMajor = !ctx.channelsLastUse(0);
  const perm = rowMajor ? identity(4) : channelsLast(4);
  const { val: x, step: pre } = ensureLayout(ctx, x0, perm, 0);
  const [N, C, H, W] = x.dims as [number, number, number, number];
  const [OH, OW] = [out[2] as number, out[3] as number];
  const rows = ctx.upload(new Int32Array(taps(o, H, OH, plan.scales[2] as number)));
  const cols = ctx.upload(new Int32Array(taps(o, W, OW, plan.scales[3] as number)));
  const y = ctx.output(0, perm);
  // Two interpolated input rows per thread (the kernels' row cache); the splitter gives each its own.
  const row = rowMajor ? OW : OW * C;
  const tmp = ctx.alloc(ctx.threads * resizeTmpBytes(row));
  if (!rowMajor) {
    return steps(pre, () => k.resizeNhwc(x.ptr, y.ptr, rows, cols, tmp, N, H, W, C, OH, OW));
  }
  return steps(pre, () => k.resizeNchw(x.ptr, y.ptr, rows, cols, tmp, N * C, H, W, OH, OW));
}

/**
 * Bytes of a resize kernel's per-thread row cache: two rows of `row` floats, each with 16 bytes
 * of slack for a vector's overrun, 16-byte aligned (assembly/resize.ts: rowStride).
 */
export function resizeTmpBytes(row: number): number {
  return 2 * ((row * 4 + 31) & ~15);
}
