// Winograd F(4×4, 3×3) convolution over NHWC f32 (stride 1, group 1, any dilation): a 4×4 output
// tile from a 6×6 input tile costs 36 multiplies per (c, m) instead of 144. Same structure as
// winograd.ts (tiles on the dilated lattice, blocks of TB tiles: input transform → V[36][TB][CP],
// 36 GEMMs against U[36][C][MP] (weights transformed once by the host) → Z[36][TB][MP], output
// transform + bias + activation). Transforms (Lavin & Gray): B^T rows
//   [4 0 -5 0 1 0] [0 -4 -4 1 1 0] [0 4 -4 -1 1 0] [0 -2 -1 2 1 0] [0 2 -1 -2 1 0] [0 4 0 -5 0 1],
// A^T rows [1 1 1 1 1 0] [0 1 -1 2 -2 0] [0 1 1 4 4 0] [0 1 -1 8 -8 1].
import { act4 } from './activation';
import { storeLanes } from './conv';
import { gemm4x8 } from './gemm';

const TB = 8;

/** Scratch bytes the host must give: V, Z, 36 tap pointers and a 36-vector transform buffer. */
export function winograd4ScratchBytes(C: i32, M: i32): i32 {
  const CP = (C + 3) & ~3;
  const MP = (M + 7) & ~7;
  return 36 * TB * (CP + MP) * 4 + 36 * 4 + 36 * 16 + 64;
}

/** out[k·os] = (B^T z)[k] for z[k] = v128 at p + k·ps (k = 0..5). */
// @ts-ignore: decorator
@inline
function bt6(p: usize, ps: usize, out: usize, os: usize): void {
  bt6v(v128.load(p), v128.load(p + ps), v128.load(p + 2 * ps), v128.load(p + 3 * ps), v128.load(p + 4 * ps), v128.load(p + 5 * ps), out, os);
}

/** out[k·os] = (B^T z)[k] for the six vectors z0..z5. */
// @ts-ignore: decorator
@inline
export function bt6v(z0: v128, z1: v128, z2: v128, z3: v128, z4: v128, z5: v128, out: usize, os: usize): void {
  const four = f32x4.splat(4), five = f32x4.splat(5), two = f32x4.splat(2);
  const z4m2 = f32x4.sub(z4, z2); // z4 - z2
  v128.store(out, f32x4.add(f32x4.sub(f32x4.mul(four, z0), f32x4.mul(five, z2)), z4));
  const a = f32x4.sub(f32x4.add(z3, z4), f32x4.mul(four, f32x4.add(z1, z2))); // -4z1 -4z2 + z3 + z4
  const b = f32x4.add(f32x4.sub(z4, z3), f32x4.mul(four, f32x4.sub(z1, z2))); // 4z1 -4z2 - z3 + z4
  v128.store(out + os, a);
  v128.store(out + 2 * os, b);
  const c = f32x4.mul(two, f32x4.sub(z3, z1)); // 2(z3 - z1)
  v128.store(out + 3 * os, f32x4.add(z4m2, c));
  v128.store(out + 4 * os, f32x4.sub(z4m2, c));
  v128.store(out + 5 * os, f32x4.add(f32x4.sub(f32x4.mul(four, z1), f32x4.mul(five, z3)), z5));
}

/** out[k·os] = (A^T z)[k] for z[k] = v128 at p + k·ps (k = 0..5, outputs k = 0..3). */
// @ts-ignore: decorator
@inline
function at6(p: usize, ps: usize, out: usize, os: usize): void {
  const z0 = v128.load(p), z1 = v128.load(p + ps), z2 = v128.load(p + 2 * ps);
  const z3 = v128.load(p + 3 * ps), z4 = v128.load(p + 4 * ps), z5 = v128.load(p + 5 * ps);
  const s12 = f32x4.add(z1, z2), d12 = f32x4.sub(z1, z2);
  const s34 = f32x4.add(z3, z4), d34 = f32x4.sub(z3, z4);
  v128.store(out, f32x4.add(f32x4.add(z0, s12), s34));
  v128.store(out + os, f32x4.add(d12, f32x4.mul(f32x4.splat(2), d34)));
  v128.store(out + 2 * os, f32x4.add(s12, f32x4.mul(f32x4.splat(4), s34)));
  v128.store(out + 3 * os, f32x4.add(f32x4.add(d12, f32x4.mul(f32x4.splat(8), d34)), z5));
}

export function winograd4Nhwc(
  x: usize, u: usize, bias: usize, y: usize, zeros: usize, scratch: usize,
  rowTab: usize, nRows: i32, colTab: usize, nCols: i32,
  N: i32, H: i32, W: i32, C: i32, OH: i32, OW: i32, M: i32,
  dh: i32, dw: i32, ph: i32, pw: i32,
  kind: i32, q0: f32, q1: f32,
): void {
  const CP = (C + 3) & ~3;
  const MP = (M + 7) & ~7;
  const v = scratch;
  const z = v + ((<usize>(36 * TB * CP)) << 2);
  const ptrs = z + ((<usize>(36 * TB * MP)) << 2);
  const tmp = (ptrs + 36 * 4 + 15) & ~15;
  const T = N * nRows * nCols;
  const pixel = <usize>C << 2;
  const vStep = <usize>(TB * CP) << 2;
  const zStep = <usize>(TB * MP) << 2;
  for (let t0 = 0; t0 < T; t0 += TB) {
    const nt = min(TB, T - t0);
    // Input transform: V[i*6+j] = (B^T d B)[i][j], 4 channels at a time.
    for (let tt = 0; tt < nt; tt++) {
      const t = t0 + tt;
      const n = t / (nRows * nCols);
      const oh = load<i32>(rowTab + (<usize>((t / nCols) % nRows) << 2));
      const ow = load<i32>(colTab + (<usize>(t % nCols) << 2));
      for (let i = 0; i < 6; i++) {
        const ih = oh - ph + i * dh;
        for (let j = 0; j < 6; j++) {
          const iw = ow - pw + j * dw;
          const ok = ih >= 0 && ih < H && iw >= 0 && iw < W;
          store<usize>(ptrs + (<usize>(i * 6 + j) << 2), ok ? x + <usize>((n * H + ih) * W + iw) * pixel : zeros);
        }
      }
      const out = v + (<usize>(tt * CP) << 2);
      for (let c = 0; c < C; c += 4) {
        const o = <usize>c << 2;
        // Columns (B^T ·) straight from the input pixels into tmp (row-major 6×6), then rows (· B).
        for (let j = 0; j < 6; j++) {
          const q = ptrs + (<usize>j << 2);
          bt6v(
            v128.load(load<usize>(q) + o), v128.load(load<usize>(q + 24) + o), v128.load(load<usize>(q + 48) + o),
            v128.load(load<usize>(q + 72) + o), v128.load(load<usize>(q + 96) + o), v128.load(load<usize>(q + 120) + o),
            tmp + (<usize>j << 4), 96,
          );
        }
        for (let i = 0; i < 6; i++) bt6(tmp + <usize>i * 96, 16, out + o + <usize>(i * 6) * vStep, vStep);
      }
    }
    // 36 GEMMs: Z[xi][tt][m] = sum_c V[xi][tt][c] * U[xi][c][m]; 4 tiles × 8 outputs per block.
    for (let xi = 0; xi < 36; xi++) {
      const vx = v + <usize>xi * vStep;
      const ux = u + (<usize>(xi * C) * <usize>MP << 2);
      const zx = z + <usize>xi * zStep;
      for (let tt = 0; tt < nt; tt += 4) {
        const r0 = vx + (<usize>(tt * CP) << 2);
        const r1 = tt + 1 < nt ? r0 + (<usize>CP << 2) : r0;
        const r2 = tt + 2 < nt ? r0 + (<usize>(2 * CP) << 2) : r0;
        const r3 = tt + 3 < nt ? r0 + (<usize>(3 * CP) << 2) : r0;
        for (let m = 0; m < MP; m += 8) {
          const row = <usize>MP << 2;
          gemm4x8(ux + (<usize>m << 2), row, r0, r1, r2, r3, C, zx + (<usize>(tt * MP + m) << 2), row, nt - tt);
        }
      }
    }
    // Output transform: A^T Z A (4×4), + bias, activation; outputs past the map are not stored.
    for (let tt = 0; tt < nt; tt++) {
      const t = t0 + tt;
      const n = t / (nRows * nCols);
      const oh = load<i32>(rowTab + (<usize>((t / nCols) % nRows) << 2));
      const ow = load<i32>(colTab + (<usize>(t % nCols) << 2));
      const img = y + <usize>(n * OH) * <usize>OW * <usize>(M << 2);
      for (let m = 0; m < M; m += 4) {
        const zp = z + (<usize>(tt * MP + m) << 2);
        // Columns j: tmp[k][j] = sum_i A^T[k][i] Z[i*6+j] (k < 4), then rows.
        for (let j = 0; j < 6; j++) at6(zp + <usize>j * zStep, 6 * zStep, tmp + (<usize>j << 4), 96);
        const bv = v128.load(bias + (<usize>m << 2));
        const cnt = M - m;
        for (let k = 0; k < 4; k++) {
          const r = oh + k * dh;
          if (r >= OH) break;
          at6(tmp + <usize>k * 96, 16, tmp + 384, 16);
          for (let l = 0; l < 4; l++) {
            const c = ow + l * dw;
            if (c >= OW) break;
            const val = f32x4.add(bv, v128.load(tmp + 384 + (<usize>l << 4)));
            storeLanes(img + (<usize>(r * OW + c) * <usize>M + <usize>m << 2), act4(val, kind, q0, q1), cnt);
          }
        }
      }
    }
  }
}
