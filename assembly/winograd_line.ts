// One-axis convolutions (k×1 or 1×k: GCN's separable large kernels) over NHWC f32 by 1-D Winograd
// on kernel segments: the k taps split into S = ceil(k / R) segments of R = 3 or 5 taps, and 4
// outputs o0.. of a line are sum_s F(4, R)(x[o0 + R·s − pb ..], g_s). Segments sum in the
// transformed domain, so each tile of 4 outputs is P = R + 3 GEMM rows of length K = S·C:
// P·S·C·M multiplies instead of 4·k·C·M (k = 15: F(4, 3) 30, F(4, 5) 24 per 4 outputs vs 60).
// F(4, 3) (Lavin & Gray, as winograd4.ts): B^T of winograd4.ts, A^T rows [1 1 1 1 1 0]
// [0 1 −1 2 −2 0] [0 1 1 4 4 0] [0 1 −1 8 −8 1]. F(4, 5) on the points 0, 1, −1, 2, −2, ½, −½, ∞
// (Lavin's F(6, 3) points, so its B^T rows, in this order: bt8v): A^T rows [1 1 1 1 1 1 1 0]
// [0 1 −1 2 −2 ½ −½ 0] [0 1 1 4 4 ¼ ¼ 0] [0 1 −1 8 −8 ⅛ −⅛ 1]; the host's G (winograd-line.ts)
// matches.
// Weights U[P][MP/8][S·C][8] (MP = M rounded up to 8) come from the host.
// Tiles are flattened over (image, line, tile of the line); per block of TB tiles: input transform
// → V[P][TB + 1][S·C] (dense rows: a channel tail's vector store spills into the next segment or
// row, which is written after it), then per 8 channels P GEMMs → Z[P][TB][8] and the output
// transform + bias + activation.
import { act4 } from './activation';
import { storeLanes } from './conv';
import { gemm4x8 } from './gemm';
import { bt6v } from './winograd4';

const TB = 8;

/** Scratch bytes one call needs: V (one spare row per point for the spill) and Z (P = R + 3 points). */
export function winogradLineScratchBytes(C: i32, S: i32, R: i32): i32 {
  const P = R + 3;
  return (P * (TB + 1) * S * C + P * TB * 8 + 8) * 4;
}

/** out[k·os] = (B^T d)[k] of F(4, 5) (and Lavin's F(6, 3)) for the eight vectors d0..d7. */
// @ts-ignore: decorator
@inline
function bt8v(
  d0: v128, d1: v128, d2: v128, d3: v128, d4: v128, d5: v128, d6: v128, d7: v128, out: usize, os: usize,
): void {
  const c214 = f32x4.splat(5.25), c174 = f32x4.splat(4.25), c52 = f32x4.splat(2.5);
  const half = f32x4.splat(0.5), quarter = f32x4.splat(0.25), c54 = f32x4.splat(1.25);
  const two = f32x4.splat(2), four = f32x4.splat(4), five = f32x4.splat(5);
  v128.store(out, f32x4.add(f32x4.sub(d0, d6), f32x4.mul(c214, f32x4.sub(d4, d2))));
  const a1 = f32x4.sub(f32x4.add(d1, d5), f32x4.mul(c174, d3));
  const b1 = f32x4.sub(f32x4.add(d2, d6), f32x4.mul(c174, d4));
  v128.store(out + os, f32x4.add(a1, b1));
  v128.store(out + 2 * os, f32x4.sub(a1, b1));
  const a2 = f32x4.add(f32x4.sub(f32x4.mul(half, d1), f32x4.mul(c52, d3)), f32x4.mul(two, d5));
  const b2 = f32x4.add(f32x4.sub(f32x4.mul(quarter, d2), f32x4.mul(c54, d4)), d6);
  v128.store(out + 3 * os, f32x4.add(b2, a2));
  v128.store(out + 4 * os, f32x4.sub(b2, a2));
  const a3 = f32x4.add(f32x4.sub(f32x4.mul(two, d1), f32x4.mul(c52, d3)), f32x4.mul(half, d5));
  const b3 = f32x4.add(f32x4.sub(f32x4.mul(four, d2), f32x4.mul(five, d4)), d6);
  v128.store(out + 5 * os, f32x4.add(b3, a3));
  v128.store(out + 6 * os, f32x4.sub(b3, a3));
  v128.store(out + 7 * os, f32x4.add(f32x4.sub(d7, d1), f32x4.mul(c214, f32x4.sub(d3, d5))));
}

/** The input pixel i0 + j of a line (base, step `along`), or the zero row outside [0, Lin). */
// @ts-ignore: decorator
@inline
function tap(base: usize, along: usize, i: i32, Lin: i32, zeros: usize): usize {
  return i >= 0 && i < Lin ? base + <usize>i * along : zeros;
}

/**
 * Tiles [t0, t1). Line l of image n holds Lin input pixels at x + (n·xImage + l·xLine + a·xAlong)
 * pixels (a < Lin) and Lout outputs at the same places of y with yImage, yLine, yAlong.
 * `scratchBytes` is for the host's thread split (each thread gets its own scratch). R = 3 or 5.
 */
export function winogradLineNhwc(
  x: usize, u: usize, bias: usize, y: usize, zeros: usize, scratch: usize, scratchBytes: i32,
  t0: i32, t1: i32, C: i32, M: i32, S: i32, R: i32, Lin: i32, Lout: i32, pb: i32,
  tilesPerLine: i32, linesPerImage: i32,
  xImage: i32, xLine: i32, xAlong: i32, yImage: i32, yLine: i32, yAlong: i32,
  kind: i32, q0: f32, q1: f32,
): void {
  // Two copies of the body with the transforms fixed (the inliner folds the R tests away).
  if (R == 5) {
    lineTiles(x, u, bias, y, zeros, scratch, t0, t1, C, M, S, 5, Lin, Lout, pb, tilesPerLine,
      linesPerImage, xImage, xLine, xAlong, yImage, yLine, yAlong, kind, q0, q1);
  } else {
    lineTiles(x, u, bias, y, zeros, scratch, t0, t1, C, M, S, 3, Lin, Lout, pb, tilesPerLine,
      linesPerImage, xImage, xLine, xAlong, yImage, yLine, yAlong, kind, q0, q1);
  }
}

// @ts-ignore: decorator
@inline
function lineTiles(
  x: usize, u: usize, bias: usize, y: usize, zeros: usize, scratch: usize,
  t0: i32, t1: i32, C: i32, M: i32, S: i32, R: i32, Lin: i32, Lout: i32, pb: i32,
  tilesPerLine: i32, linesPerImage: i32,
  xImage: i32, xLine: i32, xAlong: i32, yImage: i32, yLine: i32, yAlong: i32,
  kind: i32, q0: f32, q1: f32,
): void {
  const P = R + 3;
  const K = S * C;
  const MP = (M + 7) & ~7;
  const v = scratch;
  const vStep = <usize>((TB + 1) * K) << 2;
  const z = v + <usize>P * vStep;
  const zStep = <usize>(TB * 8) << 2;
  const xPix = <usize>C << 2;
  const yPix = <usize>M << 2;
  const perImage = linesPerImage * tilesPerLine;
  const along = <usize>xAlong * xPix;
  const step = <usize>yAlong * yPix;
  for (let tb = t0; tb < t1; tb += TB) {
    const nt = min(TB, t1 - tb);
    // The block's first tile (image n0, line l0, tile j0 of the line); the loops below step from
    // it (divisions once per block, not per tile).
    const n0 = tb / perImage;
    const l0 = (tb % perImage) / tilesPerLine;
    const j0 = tb % tilesPerLine;
    // Input transform: V[xi][tt][s·C + c] = (B^T d_s)[xi], d_s = x[o0 + R·s − pb + j] (j < P).
    let n = n0, line = l0, j = j0;
    for (let tt = 0; tt < nt; tt++) {
      const o0 = 4 * j;
      const base = x + <usize>(n * xImage + line * xLine) * xPix;
      if (++j == tilesPerLine) {
        j = 0;
        if (++line == linesPerImage) {
          line = 0;
          n++;
        }
      }
      const row = v + (<usize>(tt * K) << 2);
      for (let s = 0; s < S; s++) {
        const i0 = o0 + R * s - pb;
        const p0 = tap(base, along, i0, Lin, zeros);
        const p1 = tap(base, along, i0 + 1, Lin, zeros);
        const p2 = tap(base, along, i0 + 2, Lin, zeros);
        const p3 = tap(base, along, i0 + 3, Lin, zeros);
        const p4 = tap(base, along, i0 + 4, Lin, zeros);
        const p5 = tap(base, along, i0 + 5, Lin, zeros);
        const seg = row + (<usize>(s * C) << 2);
        if (R == 5) {
          const p6 = tap(base, along, i0 + 6, Lin, zeros);
          const p7 = tap(base, along, i0 + 7, Lin, zeros);
          for (let c = 0; c < C; c += 4) {
            const o = <usize>c << 2;
            bt8v(
              v128.load(p0 + o), v128.load(p1 + o), v128.load(p2 + o), v128.load(p3 + o),
              v128.load(p4 + o), v128.load(p5 + o), v128.load(p6 + o), v128.load(p7 + o),
              seg + o, vStep,
            );
          }
        } else {
          for (let c = 0; c < C; c += 4) {
            const o = <usize>c << 2;
            bt6v(
              v128.load(p0 + o), v128.load(p1 + o), v128.load(p2 + o),
              v128.load(p3 + o), v128.load(p4 + o), v128.load(p5 + o),
              seg + o, vStep,
            );
          }
        }
      }
    }
    for (let mb = 0; mb < MP; mb += 8) {
      // P GEMMs over this block's 8 channels: Z[xi][tt][0..8] = sum_k V[xi][tt][k] U[xi][mb][k].
      for (let xi = 0; xi < P; xi++) {
        const vx = v + <usize>xi * vStep;
        const strip = u + (<usize>(xi * MP + mb) * <usize>K << 2);
        const zx = z + <usize>xi * zStep;
        for (let tt = 0; tt < nt; tt += 4) {
          // Rows past nt hold stale values that the output transform never reads (TB % 4 == 0).
          const r0 = vx + (<usize>(tt * K) << 2);
          const r1 = r0 + (<usize>K << 2);
          const r2 = r1 + (<usize>K << 2);
          const r3 = r2 + (<usize>K << 2);
          gemm4x8(strip, 32, r0, r1, r2, r3, K, zx + (<usize>(tt * 8) << 2), 32, 4);
        }
      }
      // Output transform A^T Z for the two 4-channel halves, + bias, activation.
      for (let half = 0; half < 8; half += 4) {
        const m = mb + half;
        if (m >= M) break;
        const cnt = M - m;
        const bv = v128.load(bias + (<usize>m << 2));
        let n = n0, line = l0, j = j0;
        for (let tt = 0; tt < nt; tt++) {
          const o0 = 4 * j;
          const out = y + <usize>(n * yImage + line * yLine + o0 * yAlong) * yPix + (<usize>m << 2);
          if (++j == tilesPerLine) {
            j = 0;
            if (++line == linesPerImage) {
              line = 0;
              n++;
            }
          }
          const zp = z + (<usize>(tt * 8 + half) << 2);
          const z0 = v128.load(zp), z1 = v128.load(zp + zStep), z2 = v128.load(zp + 2 * zStep);
          const z3 = v128.load(zp + 3 * zStep), z4 = v128.load(zp + 4 * zStep), z5 = v128.load(zp + 5 * zStep);
          const s12 = f32x4.add(z1, z2), d12 = f32x4.sub(z1, z2);
          const s34 = f32x4.add(z3, z4), d34 = f32x4.sub(z3, z4);
          let e0: v128, e1: v128, e2: v128, e3: v128;
          if (R == 5) {
            const z6 = v128.load(zp + 6 * zStep), z7 = v128.load(zp + 7 * zStep);
            const s56 = f32x4.add(z5, z6), d56 = f32x4.sub(z5, z6);
            e0 = f32x4.add(f32x4.add(f32x4.add(z0, s12), s34), s56);
            e1 = f32x4.add(f32x4.add(d12, f32x4.mul(f32x4.splat(2), d34)), f32x4.mul(f32x4.splat(0.5), d56));
            e2 = f32x4.add(f32x4.add(s12, f32x4.mul(f32x4.splat(4), s34)), f32x4.mul(f32x4.splat(0.25), s56));
            e3 = f32x4.add(f32x4.add(f32x4.add(d12, f32x4.mul(f32x4.splat(8), d34)), f32x4.mul(f32x4.splat(0.125), d56)), z7);
          } else {
            e0 = f32x4.add(f32x4.add(z0, s12), s34);
            e1 = f32x4.add(d12, f32x4.mul(f32x4.splat(2), d34));
            e2 = f32x4.add(s12, f32x4.mul(f32x4.splat(4), s34));
            e3 = f32x4.add(f32x4.add(d12, f32x4.mul(f32x4.splat(8), d34)), z5);
          }
          const left = Lout - o0;
          storeLanes(out, act4(f32x4.add(bv, e0), kind, q0, q1), cnt);
          if (left > 1) storeLanes(out + step, act4(f32x4.add(bv, e1), kind, q0, q1), cnt);
          if (left > 2) storeLanes(out + 2 * step, act4(f32x4.add(bv, e2), kind, q0, q1), cnt);
          if (left > 3) storeLanes(out + 3 * step, act4(f32x4.add(bv, e3), kind, q0, q1), cnt);
        }
      }
    }
  }
}
