// Winograd F(2×2, 3×3) convolution over NHWC f32 (stride 1, group 1, any dilation): each 2×2
// output tile costs 16 multiplies per (c, m) instead of 36. Dilated convs use the same transform
// on the dilated lattice: a tile is outputs {oh, oh+dh} × {ow, ow+dw}, its input the 4×4 points
// spaced by the dilation. Tiles run in blocks of TB: input transform → V[16][TB][CP], 16 GEMMs
// against U[16][C][MP] (weights transformed once by the host, MP = M rounded up to 8) →
// Z[16][TB][MP], output transform + bias + activation → y.
import { act4 } from './activation';
import { storeLanes } from './conv';
import { gemm4x8 } from './gemm';

const TB = 16;

/** Scratch bytes the host must give for V, Z and the tap pointers. */
export function winogradScratchBytes(C: i32, M: i32): i32 {
  const CP = (C + 3) & ~3;
  const MP = (M + 7) & ~7;
  return (16 * TB * (CP + MP) + 16) * 4;
}

export function winogradNhwc(
  x: usize, u: usize, bias: usize, y: usize, zeros: usize, scratch: usize,
  rowTab: usize, nRows: i32, colTab: usize, nCols: i32,
  N: i32, H: i32, W: i32, C: i32, OH: i32, OW: i32, M: i32,
  dh: i32, dw: i32, ph: i32, pw: i32,
  kind: i32, q0: f32, q1: f32,
): void {
  const CP = (C + 3) & ~3;
  const MP = (M + 7) & ~7;
  const v = scratch;
  const z = v + ((<usize>(16 * TB * CP)) << 2);
  const ptrs = z + ((<usize>(16 * TB * MP)) << 2);
  const T = N * nRows * nCols;
  const pixel = <usize>C << 2;
  for (let t0 = 0; t0 < T; t0 += TB) {
    const nt = min(TB, T - t0);
    // Input transform: B^T d B on 4 channels at a time.
    for (let tt = 0; tt < nt; tt++) {
      const t = t0 + tt;
      const n = t / (nRows * nCols);
      const oh = load<i32>(rowTab + (<usize>((t / nCols) % nRows) << 2));
      const ow = load<i32>(colTab + (<usize>(t % nCols) << 2));
      for (let i = 0; i < 4; i++) {
        const ih = oh - ph + i * dh;
        for (let j = 0; j < 4; j++) {
          const iw = ow - pw + j * dw;
          const ok = ih >= 0 && ih < H && iw >= 0 && iw < W;
          store<usize>(ptrs + (<usize>(i * 4 + j) << 2), ok ? x + <usize>((n * H + ih) * W + iw) * pixel : zeros);
        }
      }
      const vStep = <usize>(TB * CP) << 2;
      inputTile4x4(ptrs, v + (<usize>(tt * CP) << 2), C, vStep);
    }
    // 16 GEMMs: Z[xi][tt][m] = sum_c V[xi][tt][c] * U[xi][c][m]; 4 tiles × 8 outputs per block.
    for (let xi = 0; xi < 16; xi++) {
      const vx = v + (<usize>(xi * TB * CP) << 2);
      const ux = u + (<usize>(xi * C * MP) << 2);
      const zx = z + (<usize>(xi * TB * MP) << 2);
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
    // Output transform: A^T Z A (2×2), + bias, activation.
    const zStep = <usize>(TB * MP) << 2;
    for (let tt = 0; tt < nt; tt++) {
      const t = t0 + tt;
      const n = t / (nRows * nCols);
      const oh = load<i32>(rowTab + (<usize>((t / nCols) % nRows) << 2));
      const ow = load<i32>(colTab + (<usize>(t % nCols) << 2));
      const h1 = oh + dh < OH;
      const w1 = ow + dw < OW;
      const y00 = y + <usize>((n * OH + oh) * OW + ow) * <usize>(M << 2);
      const y01 = y00 + <usize>dw * <usize>(M << 2);
      const y10 = y00 + <usize>(dh * OW) * <usize>(M << 2);
      const y11 = y10 + <usize>dw * <usize>(M << 2);
      for (let m = 0; m < M; m += 4) {
        const zp = z + (<usize>(tt * MP + m) << 2);
        const z00 = v128.load(zp), z01 = v128.load(zp + zStep), z02 = v128.load(zp + 2 * zStep), z03 = v128.load(zp + 3 * zStep);
        const z10 = v128.load(zp + 4 * zStep), z11 = v128.load(zp + 5 * zStep), z12 = v128.load(zp + 6 * zStep), z13 = v128.load(zp + 7 * zStep);
        const z20 = v128.load(zp + 8 * zStep), z21 = v128.load(zp + 9 * zStep), z22 = v128.load(zp + 10 * zStep), z23 = v128.load(zp + 11 * zStep);
        const z30 = v128.load(zp + 12 * zStep), z31 = v128.load(zp + 13 * zStep), z32 = v128.load(zp + 14 * zStep), z33 = v128.load(zp + 15 * zStep);
        // Rows: s0 = z0 + z1 + z2, s1 = z1 - z2 - z3 (per column j).
        const s00 = f32x4.add(f32x4.add(z00, z10), z20), s01 = f32x4.add(f32x4.add(z01, z11), z21);
        const s02 = f32x4.add(f32x4.add(z02, z12), z22), s03 = f32x4.add(f32x4.add(z03, z13), z23);
        const s10 = f32x4.sub(f32x4.sub(z10, z20), z30), s11 = f32x4.sub(f32x4.sub(z11, z21), z31);
        const s12 = f32x4.sub(f32x4.sub(z12, z22), z32), s13 = f32x4.sub(f32x4.sub(z13, z23), z33);
        const bv = v128.load(bias + (<usize>m << 2));
        const o00 = f32x4.add(bv, f32x4.add(f32x4.add(s00, s01), s02));
        const o01 = f32x4.add(bv, f32x4.sub(f32x4.sub(s01, s02), s03));
        const o10 = f32x4.add(bv, f32x4.add(f32x4.add(s10, s11), s12));
        const o11 = f32x4.add(bv, f32x4.sub(f32x4.sub(s11, s12), s13));
        const cnt = M - m;
        const off = <usize>m << 2;
        storeLanes(y00 + off, act4(o00, kind, q0, q1), cnt);
        if (w1) storeLanes(y01 + off, act4(o01, kind, q0, q1), cnt);
        if (h1) {
          storeLanes(y10 + off, act4(o10, kind, q0, q1), cnt);
          if (w1) storeLanes(y11 + off, act4(o11, kind, q0, q1), cnt);
        }
      }
    }
  }
}

/**
 * The F(2×2, 3×3) input transform B^T d B of one 4×4 tile, 4 channels at a time: `ptrs` holds the
 * tile's 16 pixel addresses (row-major; padding points at a zero row), element xi of channel c
 * goes to out + xi·vStep + 4c. Shared with winograd_transpose.ts, whose F(3×3, 2×2) has the same B.
 */
// @ts-ignore: decorator
@inline
export function inputTile4x4(ptrs: usize, out: usize, C: i32, vStep: usize): void {
  const p00 = load<usize>(ptrs), p01 = load<usize>(ptrs + 4), p02 = load<usize>(ptrs + 8), p03 = load<usize>(ptrs + 12);
  const p10 = load<usize>(ptrs + 16), p11 = load<usize>(ptrs + 20), p12 = load<usize>(ptrs + 24), p13 = load<usize>(ptrs + 28);
  const p20 = load<usize>(ptrs + 32), p21 = load<usize>(ptrs + 36), p22 = load<usize>(ptrs + 40), p23 = load<usize>(ptrs + 44);
  const p30 = load<usize>(ptrs + 48), p31 = load<usize>(ptrs + 52), p32 = load<usize>(ptrs + 56), p33 = load<usize>(ptrs + 60);
  for (let c = 0; c < C; c += 4) {
    const o = <usize>c << 2;
    // Rows: r_i = B^T applied down each column j.
    const d00 = v128.load(p00 + o), d01 = v128.load(p01 + o), d02 = v128.load(p02 + o), d03 = v128.load(p03 + o);
    const d10 = v128.load(p10 + o), d11 = v128.load(p11 + o), d12 = v128.load(p12 + o), d13 = v128.load(p13 + o);
    const d20 = v128.load(p20 + o), d21 = v128.load(p21 + o), d22 = v128.load(p22 + o), d23 = v128.load(p23 + o);
    const d30 = v128.load(p30 + o), d31 = v128.load(p31 + o), d32 = v128.load(p32 + o), d33 = v128.load(p33 + o);
    const a00 = f32x4.sub(d00, d20), a01 = f32x4.sub(d01, d21), a02 = f32x4.sub(d02, d22), a03 = f32x4.sub(d03, d23);
    const a10 = f32x4.add(d10, d20), a11 = f32x4.add(d11, d21), a12 = f32x4.add(d12, d22), a13 = f32x4.add(d13, d23);
    const a20 = f32x4.sub(d20, d10), a21 = f32x4.sub(d21, d11), a22 = f32x4.sub(d22, d12), a23 = f32x4.sub(d23, d13);
    const a30 = f32x4.sub(d10, d30), a31 = f32x4.sub(d11, d31), a32 = f32x4.sub(d12, d32), a33 = f32x4.sub(d13, d33);
    const q = out + o;
    v128.store(q, f32x4.sub(a00, a02));
    v128.store(q + vStep, f32x4.add(a01, a02));
    v128.store(q + 2 * vStep, f32x4.sub(a02, a01));
    v128.store(q + 3 * vStep, f32x4.sub(a01, a03));
    v128.store(q + 4 * vStep, f32x4.sub(a10, a12));
    v128.store(q + 5 * vStep, f32x4.add(a11, a12));
    v128.store(q + 6 * vStep, f32x4.sub(a12, a11));
    v128.store(q + 7 * vStep, f32x4.sub(a11, a13));
    v128.store(q + 8 * vStep, f32x4.sub(a20, a22));
    v128.store(q + 9 * vStep, f32x4.add(a21, a22));
    v128.store(q + 10 * vStep, f32x4.sub(a22, a21));
    v128.store(q + 11 * vStep, f32x4.sub(a21, a23));
    v128.store(q + 12 * vStep, f32x4.sub(a30, a32));
    v128.store(q + 13 * vStep, f32x4.add(a31, a32));
    v128.store(q + 14 * vStep, f32x4.sub(a32, a31));
    v128.store(q + 15 * vStep, f32x4.sub(a31, a33));
  }
}
