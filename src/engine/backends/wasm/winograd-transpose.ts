import type { Tensor } from '../../tensor.js';
import type { Ctx, Step } from './context.js';
import { byTiles, type Splitter } from './split.js';
import type { Val } from './values.js';

/** assembly/winograd_transpose.ts: tiles per block and the scratch one call needs. */
const TB = 32;
export function winogradTransposeScratchBytes(c: number): number {
  return ((16 * TB * (((c + 3) & ~3) + 8) + 16) * 4 + 63) & ~63;
}

/** Largest transformed weight tensor we prepack (floats): 16 × C × (sh·sw·M) grows fast with stride. */
const MAX_U = 1 << 22;

export interface TransposeGeometry {
  N: number;
  C: number;
  M: number;
  H: number;
  W: number;
  OH: number;
  OW: number;
  KH: number;
  KW: number;
  sh: number;
  sw: number;
  dh: number;
  dw: number;
  ph: number;
  pw: number;
  group: number;
}

const mq = (g: TransposeGeometry) => g.sh * g.sw * ((g.M + 3) & ~3);
const mPadded = (g: TransposeGeometry) => (mq(g) + 7) & ~7;

/**
 * F(3×3, 2×2) applies when every phase of the deconv is a 2×2 stride-1 conv (s < k ≤ 2s per axis;
 * with k ≤ s a phase has one tap and the direct kernel does less work), group 1, dilation 1, and
 * enough channels for the tile GEMMs to pay.
 */
export function winogradTransposeApplies(g: TransposeGeometry): boolean {
  return (
    g.group === 1 &&
    g.dh === 1 &&
    g.dw === 1 &&
    g.KH > g.sh &&
    g.KH <= 2 * g.sh &&
    g.KW > g.sw &&
    g.KW <= 2 * g.sw &&
    g.C >= 8 &&
    g.M >= 4 &&
    16 * g.C * mPadded(g) <= MAX_U
  );
}

/** G of F(3, 2) (4×2) for the input transform B^T of F(2, 3). */
const G = [
  [1, 0],
  [0.5, 0.5],
  [0.5, -0.5],
  [0, 1],
];

/**
 * U[xi][m'/8][c][m'%8] = (G g G^T)[xi] with g the 2×2 taps of phase q = r·sw + c' for output
 * channel m (m' = q·M4 + m): g[k][l] = w[c, m, sh·(1−k) + r, sw·(1−l) + c'], zero past the kernel.
 */
function transformWeights(w: Tensor, g: TransposeGeometry): Float32Array {
  const { C, M, KH, KW, sh, sw } = g;
  const M4 = (M + 3) & ~3;
  const MP = mPadded(g);
  const wd = w.data as Float32Array;
  const u = new Float32Array(16 * MP * C);
  const taps = [0, 0, 0, 0];
  for (let r = 0; r < sh; r++) {
    for (let cq = 0; cq < sw; cq++) {
      const q = r * sw + cq;
      for (let m = 0; m < M; m++) {
        const mm = q * M4 + m;
        for (let c = 0; c < C; c++) {
          const base = (c * M + m) * KH * KW;
          for (let k = 0; k < 2; k++) {
            for (let l = 0; l < 2; l++) {
              const kh = sh * (1 - k) + r;
              const kw = sw * (1 - l) + cq;
              taps[k * 2 + l] = kh < KH && kw < KW ? (wd[base + kh * KW + kw] as number) : 0;
            }
          }
          for (let i = 0; i < 4; i++) {
            for (let j = 0; j < 4; j++) {
              let s = 0;
              for (let k = 0; k < 2; k++) {
                for (let l = 0; l < 2; l++) {
                  s += (G[i]?.[k] as number) * (taps[k * 2 + l] as number) * (G[j]?.[l] as number);
                }
              }
              u[(((i * 4 + j) * (MP >> 3) + (mm >> 3)) * C + c) * 8 + (mm & 7)] = s;
            }
          }
        }
      }
    }
  }
  return u;
}

/** Blocks a (rows sh·a − ph .. sh·a − ph + sh − 1) that hold any output row: [first, count). */
function blocks(out: number, s: number, pad: number): [number, number] {
  const first = Math.floor(pad / s);
  const last = Math.floor((out - 1 + pad) / s);
  return [first, last - first + 1];
}

export function compileWinogradTranspose(
  ctx: Ctx,
  x: Val,
  y: Val,
  w: Tensor,
  bias: Tensor | undefined,
  g: TransposeGeometry,
  act: [number, number, number],
): Step {
  const M4 = (g.M + 3) & ~3;
  const MP = mPadded(g);
  const u = ctx.upload(transformWeights(w, g));
  const b = new Float32Array(MP);
  for (let q = 0; q < g.sh * g.sw; q++) {
    for (let m = 0; m < g.M; m++) b[q * M4 + m] = bias ? ((bias.data as Float32Array)[m] as number) : 0;
  }
  const pb = ctx.upload(b);
  const zeros = ctx.alloc(((g.C + 3) & ~3) * 4 + 64);
  // The shared scratch when it holds one call's tiles (threads split it further), else our own.
  const need = winogradTransposeScratchBytes(g.C);
  const shared = ctx.scratchBytes >= need;
  const scratch = shared ? ctx.scratch(1) : ctx.alloc(need);
  const scratchBytes = shared ? ctx.scratchBytes : need;
  const [aH, nBH] = blocks(g.OH, g.sh, g.ph);
  const [aW, nBW] = blocks(g.OW, g.sw, g.pw);
  const nTR = Math.ceil(nBH / 3);
  const nTC = Math.ceil(nBW / 3);
  const args = [
    0,
    g.N * nTR * nTC,
    g.H,
    g.W,
    g.C,
    g.OH,
    g.OW,
    g.M,
    g.sh,
    g.sw,
    g.ph,
    g.pw,
    aH,
    aW,
    nTR,
    nTC,
    ...act,
  ];
  return () => ctx.k.winogradTransposeNhwc(x.ptr, u, pb, y.ptr, zeros, scratch, scratchBytes, ...args);
}

/**
 * winogradTransposeNhwc(x, u, bias, y, zeros, scratch, scratchBytes, t0, t1, H, W, C, OH, OW, M, ...):
 * tiles write disjoint output pixels, so runs of tiles split across threads, each thread with its
 * own slice of the scratch (as many threads as the scratch has room for).
 */
export const splitWinogradTranspose: Splitter = (a, threads, minWork) => {
  const [C, M] = [a[11], a[14]] as number[];
  const stride = winogradTransposeScratchBytes(C as number);
  return byTiles(
    'winogradTransposeNhwc',
    a,
    threads,
    minWork,
    stride,
    16 * (C as number) * 4 * (M as number),
  );
};
