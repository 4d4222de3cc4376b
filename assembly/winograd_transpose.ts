// ConvTranspose (group 1, dilation 1, s < k <= 2s per axis) over NHWC f32 as a Winograd F(3×3, 2×2)
// convolution. Output pixels oh = s·a − ph + r (r < s) of "block" a all read input rows a−1 and a
// (kernel rows s + r and r), so the deconv is a stride-1 2×2 conv over the input padded by 1 with
// sh·sw·M output channels (one per phase (r, c) and output channel). A 3×3 tile of blocks comes from
// a 4×4 input tile for 16 multiplies per (c, m') instead of 36. The input transform B^T is the one
// of F(2×2, 3×3) (winograd.ts); A^T rows are [1 1 1 0] [0 1 −1 0] [0 1 1 −1]. Channels m' = q·M4 + m
// (q = r·sw + c, M4 = M rounded up to 4); weights U[16][MP/8][C][8] (MP = sh·sw·M4 rounded up to 8)
// and bias [MP] come from the host (winograd-transpose.ts). Per block of TB tiles: input transform
// → V[16][TB][CP]; then per 8 channels: 16 GEMMs (4 tiles × 8, the strip stays in L1) → Z[16][TB][8],
// output transform + bias + activation → y.
import { act4 } from './activation';
import { storeLanes } from './conv';
import { gemm4x8 } from './gemm';
import { inputTile4x4 } from './winograd';

const TB = 32;

/** Scratch bytes one call needs: V, Z and 16 tap pointers. */
export function winogradTransposeScratchBytes(C: i32): i32 {
  return (16 * TB * (((C + 3) & ~3) + 8) + 16) * 4;
}

/** Stores v (4 channels of one output pixel) when the pixel (oh, ow) is inside the output. */
// @ts-ignore: decorator
@inline
function put(y: usize, oh: i32, ow: i32, OH: i32, OW: i32, px: usize, v: v128, cnt: i32): void {
  if (oh >= 0 && oh < OH && ow >= 0 && ow < OW) storeLanes(y + <usize>(oh * OW + ow) * px, v, cnt);
}

/**
 * Tiles [t0, t1) of the N × nTR × nTC grid; tile (tr, tc) covers blocks aH + 3·tr.. × aW + 3·tc...
 * `scratchBytes` is for the host's thread split (each thread gets its own scratch).
 */
export function winogradTransposeNhwc(
  x: usize, u: usize, bias: usize, y: usize, zeros: usize, scratch: usize, scratchBytes: i32,
  t0: i32, t1: i32,
  H: i32, W: i32, C: i32, OH: i32, OW: i32, M: i32,
  sh: i32, sw: i32, ph: i32, pw: i32, aH: i32, aW: i32, nTR: i32, nTC: i32,
  kind: i32, q0: f32, q1: f32,
): void {
  const CP = (C + 3) & ~3;
  const M4 = (M + 3) & ~3;
  const MQ = sh * sw * M4;
  const MP = (MQ + 7) & ~7;
  const v = scratch;
  const z = v + ((<usize>(16 * TB * CP)) << 2);
  const ptrs = z + ((<usize>(16 * TB * 8)) << 2);
  const pixel = <usize>C << 2;
  const px = <usize>M << 2;
  const vStep = <usize>(TB * CP) << 2;
  const zStep = <usize>(TB * 8) << 2;
  const perImage = nTR * nTC;
  for (let tb = t0; tb < t1; tb += TB) {
    const nt = min(TB, t1 - tb);
    // Input transform: B^T d B on 4 channels at a time.
    for (let tt = 0; tt < nt; tt++) {
      const t = tb + tt;
      const n = t / perImage;
      const a0 = aH + 3 * ((t % perImage) / nTC);
      const b0 = aW + 3 * (t % nTC);
      for (let i = 0; i < 4; i++) {
        const ih = a0 - 1 + i;
        for (let j = 0; j < 4; j++) {
          const iw = b0 - 1 + j;
          const ok = ih >= 0 && ih < H && iw >= 0 && iw < W;
          store<usize>(ptrs + (<usize>(i * 4 + j) << 2), ok ? x + <usize>((n * H + ih) * W + iw) * pixel : zeros);
        }
      }
      inputTile4x4(ptrs, v + (<usize>(tt * CP) << 2), C, vStep);
    }
    for (let mb = 0; mb < MP; mb += 8) {
      // 16 GEMMs over this block's 8 channels: Z[xi][tt][0..8] = sum_c V[xi][tt][c] U[xi][mb][c].
      for (let xi = 0; xi < 16; xi++) {
        const vx = v + (<usize>(xi * TB * CP) << 2);
        const strip = u + (<usize>(xi * MP + mb) * <usize>C << 2);
        const zx = z + (<usize>(xi * TB * 8) << 2);
        for (let tt = 0; tt < nt; tt += 4) {
          const r0 = vx + (<usize>(tt * CP) << 2);
          const r1 = r0 + (<usize>CP << 2);
          const r2 = r1 + (<usize>CP << 2);
          const r3 = r2 + (<usize>CP << 2);
          // Rows past nt hold garbage that the output transform never reads (TB is a multiple of 4).
          gemm4x8(strip, 32, r0, r1, r2, r3, C, zx + (<usize>(tt * 8) << 2), 32, 4);
        }
      }
      // Output transform A^T Z A (3×3 blocks) for the two 4-channel halves; each lies in one phase.
      for (let half = 0; half < 8; half += 4) {
        const mq = mb + half;
        if (mq >= MQ) break;
        const q = mq / M4;
        const m = mq - q * M4;
        const rq = q / sw - ph;
        const cq = q % sw - pw;
        const cnt = M - m;
        const bv = v128.load(bias + (<usize>mq << 2));
        const ym = y + (<usize>m << 2);
        for (let tt = 0; tt < nt; tt++) {
          const t = tb + tt;
          const n = t / perImage;
          const oh0 = sh * (aH + 3 * ((t % perImage) / nTC)) + rq;
          const ow0 = sw * (aW + 3 * (t % nTC)) + cq;
          const yn = ym + <usize>(n * OH * OW) * px;
          const zp = z + (<usize>(tt * 8 + half) << 2);
          const z00 = v128.load(zp), z01 = v128.load(zp + zStep), z02 = v128.load(zp + 2 * zStep), z03 = v128.load(zp + 3 * zStep);
          const z10 = v128.load(zp + 4 * zStep), z11 = v128.load(zp + 5 * zStep), z12 = v128.load(zp + 6 * zStep), z13 = v128.load(zp + 7 * zStep);
          const z20 = v128.load(zp + 8 * zStep), z21 = v128.load(zp + 9 * zStep), z22 = v128.load(zp + 10 * zStep), z23 = v128.load(zp + 11 * zStep);
          const z30 = v128.load(zp + 12 * zStep), z31 = v128.load(zp + 13 * zStep), z32 = v128.load(zp + 14 * zStep), z33 = v128.load(zp + 15 * zStep);
          // Rows (down each column j): s0 = z0 + z1 + z2, s1 = z1 − z2, s2 = z1 + z2 − z3.
          const e0 = f32x4.add(z10, z20), e1 = f32x4.add(z11, z21), e2 = f32x4.add(z12, z22), e3 = f32x4.add(z13, z23);
          const s00 = f32x4.add(z00, e0), s01 = f32x4.add(z01, e1), s02 = f32x4.add(z02, e2), s03 = f32x4.add(z03, e3);
          const s10 = f32x4.sub(z10, z20), s11 = f32x4.sub(z11, z21), s12 = f32x4.sub(z12, z22), s13 = f32x4.sub(z13, z23);
          const s20 = f32x4.sub(e0, z30), s21 = f32x4.sub(e1, z31), s22 = f32x4.sub(e2, z32), s23 = f32x4.sub(e3, z33);
          // Columns, then bias and activation; blocks whose pixel falls outside y are cropped.
          const ow1 = ow0 + sw, ow2 = ow0 + 2 * sw;
          let oh = oh0;
          let f = f32x4.add(s01, s02);
          put(yn, oh, ow0, OH, OW, px, act4(f32x4.add(bv, f32x4.add(s00, f)), kind, q0, q1), cnt);
          put(yn, oh, ow1, OH, OW, px, act4(f32x4.add(bv, f32x4.sub(s01, s02)), kind, q0, q1), cnt);
          put(yn, oh, ow2, OH, OW, px, act4(f32x4.add(bv, f32x4.sub(f, s03)), kind, q0, q1), cnt);
          oh += sh;
          f = f32x4.add(s11, s12);
          put(yn, oh, ow0, OH, OW, px, act4(f32x4.add(bv, f32x4.add(s10, f)), kind, q0, q1), cnt);
          put(yn, oh, ow1, OH, OW, px, act4(f32x4.add(bv, f32x4.sub(s11, s12)), kind, q0, q1), cnt);
          put(yn, oh, ow2, OH, OW, px, act4(f32x4.add(bv, f32x4.sub(f, s13)), kind, q0, q1), cnt);
          oh += sh;
          f = f32x4.add(s21, s22);
          put(yn, oh, ow0, OH, OW, px, act4(f32x4.add(bv, f32x4.add(s20, f)), kind, q0, q1), cnt);
          put(yn, oh, ow1, OH, OW, px, act4(f32x4.add(bv, f32x4.sub(s21, s22)), kind, q0, q1), cnt);
          put(yn, oh, ow2, OH, OW, px, act4(f32x4.add(bv, f32x4.sub(f, s23)), kind, q0, q1), cnt);
        }
      }
    }
  }
}
