import type { Tensor } from '../../tensor.js';
import type { Axis2d } from '../ref/kernels/conv.js';
import type { Ctx, Step } from './context.js';
import { byTiles, type Splitter } from './split.js';
import type { Val } from './values.js';
import { G4 } from './winograd.js';

/** assembly/winograd_line.ts: tiles per block and the scratch one call needs (r + 3 points). */
const TB = 8;
export function winogradLineScratchBytes(c: number, s: number, r: number): number {
  const p = r + 3;
  return ((p * (TB + 1) * s * c + p * TB * 8 + 8) * 4 + 63) & ~63;
}

/**
 * G of F(4, 5) on the points 0, 1, −1, 2, −2, ½, −½, ∞, rows scaled to match the kernel's B^T
 * (Lavin's F(6, 3) rows, ordered by point: assembly/winograd_line.ts bt8v).
 */
export const G45: readonly (readonly number[])[] = [
  [1, 0, 0, 0, 0],
  [-2 / 9, -2 / 9, -2 / 9, -2 / 9, -2 / 9],
  [2 / 9, -2 / 9, 2 / 9, -2 / 9, 2 / 9],
  [1 / 90, 2 / 90, 4 / 90, 8 / 90, 16 / 90],
  [1 / 90, -2 / 90, 4 / 90, -8 / 90, 16 / 90],
  [32 / 45, 16 / 45, 8 / 45, 4 / 45, 2 / 45],
  [32 / 45, -16 / 45, 8 / 45, -4 / 45, 2 / 45],
  [0, 0, 0, 0, 1],
];

/**
 * Segment length for a k-tap line: F(4, 5) (8 GEMM rows per segment of 5) when it takes fewer
 * multiplies than F(4, 3) (6 per segment of 3), e.g. k = 5, 7, 9, 10, 13, 15; else F(4, 3), whose
 * 6-point transforms round less.
 */
export function lineSegment(k: number): 3 | 5 {
  return 8 * Math.ceil(k / 5) < 6 * Math.ceil(k / 3) ? 5 : 3;
}

/** A 1×1 axis that maps output i to input i (stride 1, no pads). */
const pointwise = (a: Axis2d) =>
  a.k === 1 && a.stride === 1 && a.dilation === 1 && a.padBegin === 0 && a.out === a.inSize;

/** The axis a k×1 / 1×k conv runs along ('h' or 'w'), if it is one that F(4, 3) segments suit. */
export function lineAxis(h: Axis2d, w: Axis2d, group: number, c: number, m: number): 'h' | 'w' | undefined {
  if (group !== 1 || c < 4 || m < 4) return undefined;
  const line = (a: Axis2d) => a.k >= 3 && a.stride === 1 && a.dilation === 1;
  if (pointwise(h) && line(w)) return 'w';
  if (pointwise(w) && line(h)) return 'h';
  return undefined;
}

/** U[xi][m/8][s·C + c][m%8] = (G g_s)[xi], g_s = taps r·s..r·s+r−1 of w[m, c] (zero past k). */
function transformWeights(w: Tensor, c: number, m: number, k: number, s: number, r: 3 | 5): Float32Array {
  const G = r === 5 ? G45 : G4;
  const p = G.length;
  const mP = (m + 7) & ~7;
  const kk = s * c;
  const wd = w.data as Float32Array;
  const u = new Float32Array(p * mP * kk);
  for (let o = 0; o < m; o++) {
    for (let ci = 0; ci < c; ci++) {
      const base = (o * c + ci) * k;
      for (let seg = 0; seg < s; seg++) {
        for (let xi = 0; xi < p; xi++) {
          let v = 0;
          for (let j = 0; j < r; j++) {
            const t = r * seg + j;
            if (t < k) v += (G[xi]?.[j] as number) * (wd[base + t] as number);
          }
          u[((xi * (mP >> 3) + (o >> 3)) * kk + seg * c + ci) * 8 + (o & 7)] = v;
        }
      }
    }
  }
  return u;
}

export function compileWinogradLine(
  ctx: Ctx,
  x: Val,
  y: Val,
  w: Tensor,
  bias: Tensor | undefined,
  h: Axis2d,
  wa: Axis2d,
  axis: 'h' | 'w',
  act: [number, number, number],
): Step {
  const [N, C] = x.dims as [number, number];
  const M = w.dims[0] as number;
  const mP = (M + 7) & ~7;
  const a = axis === 'w' ? wa : h;
  const r = lineSegment(a.k);
  const S = Math.ceil(a.k / r);
  const u = ctx.upload(transformWeights(w, C, M, a.k, S, r));
  const b = new Float32Array(mP);
  if (bias) b.set(bias.data as Float32Array);
  const pb = ctx.upload(b);
  const zeros = ctx.alloc(((C + 3) & ~3) * 4 + 64);
  // The shared scratch when it holds one slice per thread (threads split it), else our own.
  const need = winogradLineScratchBytes(C, S, r) * ctx.threads;
  const shared = ctx.scratchBytes >= need;
  const scratch = shared ? ctx.scratch(1) : ctx.alloc(need);
  const scratchBytes = shared ? ctx.scratchBytes : need;
  const tilesPerLine = Math.ceil(a.out / 4);
  // Along W: lines are rows (stride W pixels), pixels adjacent. Along H: lines are columns.
  const [H, W, OH, OW] = [h.inSize, wa.inSize, h.out, wa.out];
  const lines = axis === 'w' ? H : W;
  const strides = axis === 'w' ? [H * W, W, 1, OH * OW, OW, 1] : [H * W, 1, W, OH * OW, 1, OW];
  const args = [0, N * lines * tilesPerLine, C, M, S, r, a.inSize, a.out, a.padBegin, tilesPerLine, lines];
  return () =>
    ctx.k.winogradLineNhwc(x.ptr, u, pb, y.ptr, zeros, scratch, scratchBytes, ...args, ...strides, ...act);
}

/**
 * winogradLineNhwc(x, u, bias, y, zeros, scratch, scratchBytes, t0, t1, C, M, S, R, ...): tiles
 * write disjoint outputs, so runs of tiles split across threads, each with its own slice of the
 * scratch.
 */
export const splitWinogradLine: Splitter = (a, threads, minWork) => {
  const [C, M, S, R] = [a[9], a[10], a[11], a[12]] as number[];
  const stride = winogradLineScratchBytes(C as number, S as number, R as number);
  return byTiles(
    'winogradLineNhwc',
    a,
    threads,
    minWork,
    stride,
    ((R as number) + 3) * (S as number) * (C as number) * (M as number),
  );
};
