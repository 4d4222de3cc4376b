// One-axis convolutions (k×1 or 1×k: GCN's separable large kernels) over NHWC f32 by 1-D Winograd
// F(4, 3) on kernel segments: the k taps split into S = ceil(k / 3) segments of 3, and 4 outputs
// o0.. of a line are sum_s F(4, 3)(x[o0 + 3s − pb ..], g_s). Segments sum in the transformed
// domain, so each tile of 4 outputs is 6 GEMM rows of length K = S·C: 6·S·C·M multiplies instead
// of 4·k·C·M (k = 15: 1.5× → 2× fewer). Transforms (Lavin & Gray, as winograd4.ts): B^T of F(4, 3)
// on the input, A^T rows [1 1 1 1 1 0] [0 1 −1 2 −2 0] [0 1 1 4 4 0] [0 1 −1 8 −8 1] on the output.
// Weights U[6][MP/8][S·C][8] (MP = M rounded up to 8) come from the host (winograd-line.ts).
// Tiles are flattened over (image, line, tile of the line); per block of TB tiles: input transform
// → V[6][TB + 1][S·C] (dense rows: a channel tail's vector store spills into the next segment or
// row, which is written after it), then per 8 channels 6 GEMMs → Z[6][TB][8] and the output
// transform + bias + activation.
import { act4 } from './activation';
import { storeLanes } from './conv';
import { gemm4x8 } from './gemm';
import { bt6v } from './winograd4';

const TB = 8;

/** Scratch bytes one call needs: V (one spare row per point for the spill) and Z. */
export function winogradLineScratchBytes(C: i32, S: i32): i32 {
  return (6 * (TB + 1) * S * C + 6 * TB * 8 + 8) * 4;
}

/**
 * Tiles [t0, t1). Line l of image n holds Lin input pixels at x + (n·xImage + l·xLine + a·xAlong)
 * pixels (a < Lin) and Lout outputs at the same places of y with yImage, yLine, yAlong.
 * `scratchBytes` is for the host's thread split (each thread gets its own scratch).
 */
export function winogradLineNhwc(
  x: usize, u: usize, bias: usize, y: usize, zeros: usize, scratch: usize, scratchBytes: i32,
  t0: i32, t1: i32, C: i32, M: i32, S: i32, Lin: i32, Lout: i32, pb: i32,
  tilesPerLine: i32, linesPerImage: i32,
  xImage: i32, xLine: i32, xAlong: i32, yImage: i32, yLine: i32, yAlong: i32,
  kind: i32, q0: f32, q1: f32,
): void {
  const K = S * C;
  const MP = (M + 7) & ~7;
  const v = scratch;
  const vStep = <usize>((TB + 1) * K) << 2;
  const z = v + 6 * vStep;
  const zStep = <usize>(TB * 8) << 2;
  const xPix = <usize>C << 2;
  const yPix = <usize>M << 2;
  const perImage = linesPerImage * tilesPerLine;
  for (let tb = t0; tb < t1; tb += TB) {
    const nt = min(TB, t1 - tb);
    // Input transform: V[xi][tt][s·C + c] = (B^T d_s)[xi], d_s = x[o0 + 3s − pb + j] (j < 6).
    for (let tt = 0; tt < nt; tt++) {
      const t = tb + tt;
      const n = t / perImage;
      const line = (t % perImage) / tilesPerLine;
      const o0 = 4 * (t % tilesPerLine);
      const base = x + <usize>(n * xImage + line * xLine) * xPix;
      const along = <usize>xAlong * xPix;
      const row = v + (<usize>(tt * K) << 2);
      for (let s = 0; s < S; s++) {
        const i0 = o0 + 3 * s - pb;
        const p0 = i0 >= 0 && i0 < Lin ? base + <usize>i0 * along : zeros;
        const p1 = i0 + 1 >= 0 && i0 + 1 < Lin ? base + <usize>(i0 + 1) * along : zeros;
        const p2 = i0 + 2 >= 0 && i0 + 2 < Lin ? base + <usize>(i0 + 2) * along : zeros;
        const p3 = i0 + 3 >= 0 && i0 + 3 < Lin ? base + <usize>(i0 + 3) * along : zeros;
        const p4 = i0 + 4 >= 0 && i0 + 4 < Lin ? base + <usize>(i0 + 4) * along : zeros;
        const p5 = i0 + 5 >= 0 && i0 + 5 < Lin ? base + <usize>(i0 + 5) * along : zeros;
        const seg = row + (<usize>(s * C) << 2);
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
    for (let mb = 0; mb < MP; mb += 8) {
      // 6 GEMMs over this block's 8 channels: Z[xi][tt][0..8] = sum_k V[xi][tt][k] U[xi][mb][k].
      for (let xi = 0; xi < 6; xi++) {
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
        for (let tt = 0; tt < nt; tt++) {
          const t = tb + tt;
          const n = t / perImage;
          const line = (t % perImage) / tilesPerLine;
          const o0 = 4 * (t % tilesPerLine);
          const zp = z + (<usize>(tt * 8 + half) << 2);
          const z0 = v128.load(zp), z1 = v128.load(zp + zStep), z2 = v128.load(zp + 2 * zStep);
          const z3 = v128.load(zp + 3 * zStep), z4 = v128.load(zp + 4 * zStep), z5 = v128.load(zp + 5 * zStep);
          const s12 = f32x4.add(z1, z2), d12 = f32x4.sub(z1, z2);
          const s34 = f32x4.add(z3, z4), d34 = f32x4.sub(z3, z4);
          const out = y + <usize>(n * yImage + line * yLine + o0 * yAlong) * yPix + (<usize>m << 2);
          const step = <usize>yAlong * yPix;
          const left = Lout - o0;
          storeLanes(out, act4(f32x4.add(bv, f32x4.add(f32x4.add(z0, s12), s34)), kind, q0, q1), cnt);
          if (left > 1) {
            const e1 = f32x4.add(d12, f32x4.mul(f32x4.splat(2), d34));
            storeLanes(out + step, act4(f32x4.add(bv, e1), kind, q0, q1), cnt);
          }
          if (left > 2) {
            const e2 = f32x4.add(s12, f32x4.mul(f32x4.splat(4), s34));
            storeLanes(out + 2 * step, act4(f32x4.add(bv, e2), kind, q0, q1), cnt);
          }
          if (left > 3) {
            const e3 = f32x4.add(f32x4.add(d12, f32x4.mul(f32x4.splat(8), d34)), z5);
            storeLanes(out + 3 * step, act4(f32x4.add(bv, e3), kind, q0, q1), cnt);
          }
        }
      }
    }
  }
}
