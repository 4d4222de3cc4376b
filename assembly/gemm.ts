// Pointwise convolution (1×1, stride 1, no pads, group 1) over NHWC f32 as a packed GEMM:
// y[p, m] = act(b[m] + sum_c x[p, c] * w[c, m]) for the P = N·H·W pixels. The host packs the
// weights as [M/8][C][8] (M rounded up to 8, zero padded): each block of 8 output channels is one
// contiguous strip of 32·C bytes that stays in L1 while a tile of TP pixels streams past it, so
// weights are read from L2 once per tile instead of once per 4 pixels. Register block: 4 pixels ×
// 8 outputs. Per output, the sum runs bias first, then c = 0, 1, ... (as convNhwc does).
import { act4 } from './activation';
import { store8 } from './conv';

const TP = 64;

export function conv1x1Nhwc(
  x: usize, w: usize, bias: usize, y: usize, P: i32, C: i32, M: i32,
  kind: i32, q0: f32, q1: f32,
): void {
  const MP = (M + 7) & ~7;
  const rowX = <usize>C << 2;
  const rowY = <usize>M << 2;
  for (let p0 = 0; p0 < P; p0 += TP) {
    const p1 = min(P, p0 + TP);
    for (let cb = 0; cb < MP; cb += 8) {
      const strip = w + (<usize>cb * <usize>C << 2);
      const bp = bias + (<usize>cb << 2);
      const count = M - cb;
      for (let p = p0; p < p1; p += 4) {
        const np = min(4, p1 - p);
        const x0 = x + <usize>p * rowX;
        const x1 = np > 1 ? x0 + rowX : x0;
        const x2 = np > 2 ? x0 + 2 * rowX : x0;
        const x3 = np > 3 ? x0 + 3 * rowX : x0;
        let a0 = v128.load(bp), b0 = v128.load(bp + 16);
        let a1 = a0, b1 = b0, a2 = a0, b2 = b0, a3 = a0, b3 = b0;
        let wp = strip;
        for (let c = 0; c < C; c++) {
          const w0 = v128.load(wp), w1 = v128.load(wp + 16);
          const off = <usize>c << 2;
          const v0 = v128.load32_splat(x0 + off);
          const v1 = v128.load32_splat(x1 + off);
          const v2 = v128.load32_splat(x2 + off);
          const v3 = v128.load32_splat(x3 + off);
          a0 = f32x4.add(a0, f32x4.mul(v0, w0));
          b0 = f32x4.add(b0, f32x4.mul(v0, w1));
          a1 = f32x4.add(a1, f32x4.mul(v1, w0));
          b1 = f32x4.add(b1, f32x4.mul(v1, w1));
          a2 = f32x4.add(a2, f32x4.mul(v2, w0));
          b2 = f32x4.add(b2, f32x4.mul(v2, w1));
          a3 = f32x4.add(a3, f32x4.mul(v3, w0));
          b3 = f32x4.add(b3, f32x4.mul(v3, w1));
          wp += 32;
        }
        const out = y + <usize>p * rowY + (<usize>cb << 2);
        store8(out, act4(a0, kind, q0, q1), act4(b0, kind, q0, q1), count);
        if (np > 1) store8(out + rowY, act4(a1, kind, q0, q1), act4(b1, kind, q0, q1), count);
        if (np > 2) store8(out + 2 * rowY, act4(a2, kind, q0, q1), act4(b2, kind, q0, q1), count);
        if (np > 3) store8(out + 3 * rowY, act4(a3, kind, q0, q1), act4(b3, kind, q0, q1), count);
      }
    }
  }
}

/**
 * The 4×8 micro-kernel of the Winograd GEMM stages: four rows of K floats (r0..r3) times 8 columns
 * of weights (the 8 floats at `wp`, then `wp + step`, ... for k = 0..K-1), written as up to 4 rows
 * of 8 sums at `zo`, `zo + row`, ... (only the first `rows`: the last tile block may be short).
 */
// @ts-ignore: decorator
@inline
export function gemm4x8(
  wp: usize, step: usize, r0: usize, r1: usize, r2: usize, r3: usize, K: i32,
  zo: usize, row: usize, rows: i32,
): void {
  let a0 = f32x4.splat(0), b0 = a0, a1 = a0, b1 = a0, a2 = a0, b2 = a0, a3 = a0, b3 = a0;
  const end = r0 + (<usize>K << 2);
  while (r0 < end) {
    const w0 = v128.load(wp), w1 = v128.load(wp + 16);
    const s0 = v128.load32_splat(r0);
    const s1 = v128.load32_splat(r1);
    const s2 = v128.load32_splat(r2);
    const s3 = v128.load32_splat(r3);
    a0 = f32x4.add(a0, f32x4.mul(s0, w0));
    b0 = f32x4.add(b0, f32x4.mul(s0, w1));
    a1 = f32x4.add(a1, f32x4.mul(s1, w0));
    b1 = f32x4.add(b1, f32x4.mul(s1, w1));
    a2 = f32x4.add(a2, f32x4.mul(s2, w0));
    b2 = f32x4.add(b2, f32x4.mul(s2, w1));
    a3 = f32x4.add(a3, f32x4.mul(s3, w0));
    b3 = f32x4.add(b3, f32x4.mul(s3, w1));
    wp += step;
    r0 += 4;
    r1 += 4;
    r2 += 4;
    r3 += 4;
  }
  v128.store(zo, a0);
  v128.store(zo + 16, b0);
  if (rows > 1) {
    v128.store(zo + row, a1);
    v128.store(zo + row + 16, b1);
  }
  if (rows > 2) {
    v128.store(zo + 2 * row, a2);
    v128.store(zo + 2 * row + 16, b2);
  }
  if (rows > 3) {
    v128.store(zo + 3 * row, a3);
    v128.store(zo + 3 * row + 16, b3);
  }
}
