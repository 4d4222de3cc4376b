// Convolution over channels-last (NHWC) f32 tensors in linear memory, f32x4 SIMD.
// Weights are packed once by the host (src/engine/backends/wasm/pack.ts):
//   general: per group [KH][KW][Cg][MgP] with MgP = Mg rounded up to 8, zero padded;
//   depthwise: [KH][KW][CP] with CP = C rounded up to 4; bias padded the same way.
// `zeros` points at >= C zero floats: taps that fall in the padding read from it, so the inner
// loop has no bounds checks. The fused activation (codes in activation.ts) is applied on store.
import { act4 } from './activation';

/** Stores the first `count` (1..4) lanes of v at p. */
// @ts-ignore: decorator
@inline
export function storeLanes(p: usize, v: v128, count: i32): void {
  if (count >= 4) {
    v128.store(p, v);
    return;
  }
  store<f32>(p, f32x4.extract_lane(v, 0));
  if (count > 1) store<f32>(p + 4, f32x4.extract_lane(v, 1));
  if (count > 2) store<f32>(p + 8, f32x4.extract_lane(v, 2));
}

/** Stores 8 output channels (two vectors), or the first `count` of them. */
// @ts-ignore: decorator
@inline
export function store8(p: usize, a: v128, b: v128, count: i32): void {
  if (count >= 8) {
    v128.store(p, a);
    v128.store(p + 16, b);
  } else if (count > 4) {
    v128.store(p, a);
    storeLanes(p + 16, b, count - 4);
  } else {
    storeLanes(p, a, count);
  }
}

/**
 * y[n,oh,ow,m] = act(b[m] + sum x[n,ih,iw,g*Cg+c] * w[m,c,kh,kw]). Register block: 4 output
 * pixels along W × 8 output channels (8 accumulators).
 */
export function convNhwc(
  x: usize, w: usize, bias: usize, y: usize, zeros: usize,
  N: i32, H: i32, W: i32, C: i32, OH: i32, OW: i32, M: i32,
  KH: i32, KW: i32, sh: i32, sw: i32, dh: i32, dw: i32, ph: i32, pw: i32, group: i32,
  kind: i32, q0: f32, q1: f32,
): void {
  const cg = C / group;
  const mg = M / group;
  const mgP = (mg + 7) & ~7;
  const wStep = <usize>mgP << 2;
  for (let n = 0; n < N; n++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow += 4) {
        const np = min(4, OW - ow);
        for (let g = 0; g < group; g++) {
          const xg = x + (<usize>(g * cg) << 2);
          for (let cb = 0; cb < mgP; cb += 8) {
            const bp = bias + (<usize>(g * mgP + cb) << 2);
            let a0 = v128.load(bp), b0 = v128.load(bp + 16);
            let a1 = a0, b1 = b0, a2 = a0, b2 = b0, a3 = a0, b3 = b0;
            for (let kh = 0; kh < KH; kh++) {
              const ih = oh * sh - ph + kh * dh;
              if (ih < 0 || ih >= H) continue;
              const row = xg + (<usize>((n * H + ih) * W) * <usize>C << 2);
              for (let kw = 0; kw < KW; kw++) {
                const iw0 = ow * sw - pw + kw * dw;
                let p0 = zeros, p1 = zeros, p2 = zeros, p3 = zeros;
                if (iw0 >= 0 && iw0 < W) p0 = row + (<usize>(iw0 * C) << 2);
                let iw = iw0 + sw;
                if (np > 1 && iw >= 0 && iw < W) p1 = row + (<usize>(iw * C) << 2);
                iw += sw;
                if (np > 2 && iw >= 0 && iw < W) p2 = row + (<usize>(iw * C) << 2);
                iw += sw;
                if (np > 3 && iw >= 0 && iw < W) p3 = row + (<usize>(iw * C) << 2);
                let wp = w + ((<usize>(((g * KH + kh) * KW + kw) * cg) * <usize>mgP + <usize>cb) << 2);
                for (let c = 0; c < cg; c++) {
                  const w0 = v128.load(wp), w1 = v128.load(wp + 16);
                  const off = <usize>c << 2;
                  const v0 = f32x4.splat(load<f32>(p0 + off));
                  const v1 = f32x4.splat(load<f32>(p1 + off));
                  const v2 = f32x4.splat(load<f32>(p2 + off));
                  const v3 = f32x4.splat(load<f32>(p3 + off));
                  a0 = f32x4.add(a0, f32x4.mul(v0, w0));
                  b0 = f32x4.add(b0, f32x4.mul(v0, w1));
                  a1 = f32x4.add(a1, f32x4.mul(v1, w0));
                  b1 = f32x4.add(b1, f32x4.mul(v1, w1));
                  a2 = f32x4.add(a2, f32x4.mul(v2, w0));
                  b2 = f32x4.add(b2, f32x4.mul(v2, w1));
                  a3 = f32x4.add(a3, f32x4.mul(v3, w0));
                  b3 = f32x4.add(b3, f32x4.mul(v3, w1));
                  wp += wStep;
                }
              }
            }
            const count = mg - cb;
            const out = y + ((<usize>((n * OH + oh) * OW + ow) * <usize>M + <usize>(g * mg + cb)) << 2);
            const px = <usize>M << 2;
            store8(out, act4(a0, kind, q0, q1), act4(b0, kind, q0, q1), count);
            if (np > 1) store8(out + px, act4(a1, kind, q0, q1), act4(b1, kind, q0, q1), count);
            if (np > 2) store8(out + 2 * px, act4(a2, kind, q0, q1), act4(b2, kind, q0, q1), count);
            if (np > 3) store8(out + 3 * px, act4(a3, kind, q0, q1), act4(b3, kind, q0, q1), count);
          }
        }
      }
    }
  }
}

/**
 * Depthwise (group == C == M): y[n,oh,ow,c] = act(b[c] + sum x[n,ih,iw,c] * w[c,kh,kw]), 4 channels
 * per vector. Where 4 adjacent outputs see every tap of the row (the interior), blocks of 4 pixels
 * × 8 channels share each weight load; edges and channel tails go pixel by pixel. Channel tails load
 * a full vector (the arena has slack past every buffer) and store only the valid lanes.
 */
export function convDepthwiseNhwc(
  x: usize, w: usize, bias: usize, y: usize,
  N: i32, H: i32, W: i32, C: i32, OH: i32, OW: i32,
  KH: i32, KW: i32, sh: i32, sw: i32, dh: i32, dw: i32, ph: i32, pw: i32,
  kind: i32, q0: f32, q1: f32,
): void {
  const CP = (C + 3) & ~3;
  const C8 = C & ~7;
  const px = <usize>C << 2;
  const wStep = <usize>CP << 2;
  // Outputs [owA, owB) read only columns inside the row for every tap.
  let owA = 0;
  while (owA < OW && owA * sw - pw < 0) owA++;
  let owB = OW;
  while (owB > owA && (owB - 1) * sw - pw + (KW - 1) * dw >= W) owB--;
  for (let n = 0; n < N; n++) {
    for (let oh = 0; oh < OH; oh++) {
      let kh0 = 0, kh1 = KH;
      while (kh0 < KH && oh * sh - ph + kh0 * dh < 0) kh0++;
      while (kh1 > kh0 && oh * sh - ph + (kh1 - 1) * dh >= H) kh1--;
      const img = x + <usize>(n * H) * <usize>W * px;
      const yRow = y + <usize>((n * OH + oh) * OW) * px;
      let ow = 0;
      while (ow < OW) {
        if (ow >= owA && ow + 4 <= owB) {
          // Interior block: 4 pixels (input columns sw apart) × 8 channels.
          const xs = <usize>sw * px;
          for (let c = 0; c < C8; c += 8) {
            const bp = bias + (<usize>c << 2);
            let a0 = v128.load(bp), b0 = v128.load(bp + 16);
            let a1 = a0, b1 = b0, a2 = a0, b2 = b0, a3 = a0, b3 = b0;
            for (let kh = kh0; kh < kh1; kh++) {
              const ih = oh * sh - ph + kh * dh;
              let xp = img + <usize>(ih * W + ow * sw - pw) * px + (<usize>c << 2);
              let wp = w + ((<usize>(kh * KW) * <usize>CP + <usize>c) << 2);
              for (let kw = 0; kw < KW; kw++) {
                const w0 = v128.load(wp), w1 = v128.load(wp + 16);
                a0 = f32x4.add(a0, f32x4.mul(v128.load(xp), w0));
                b0 = f32x4.add(b0, f32x4.mul(v128.load(xp + 16), w1));
                a1 = f32x4.add(a1, f32x4.mul(v128.load(xp + xs), w0));
                b1 = f32x4.add(b1, f32x4.mul(v128.load(xp + xs + 16), w1));
                a2 = f32x4.add(a2, f32x4.mul(v128.load(xp + 2 * xs), w0));
                b2 = f32x4.add(b2, f32x4.mul(v128.load(xp + 2 * xs + 16), w1));
                a3 = f32x4.add(a3, f32x4.mul(v128.load(xp + 3 * xs), w0));
                b3 = f32x4.add(b3, f32x4.mul(v128.load(xp + 3 * xs + 16), w1));
                xp += <usize>dw * px;
                wp += wStep;
              }
            }
            const o = yRow + <usize>ow * px + (<usize>c << 2);
            v128.store(o, act4(a0, kind, q0, q1));
            v128.store(o + 16, act4(b0, kind, q0, q1));
            v128.store(o + px, act4(a1, kind, q0, q1));
            v128.store(o + px + 16, act4(b1, kind, q0, q1));
            v128.store(o + 2 * px, act4(a2, kind, q0, q1));
            v128.store(o + 2 * px + 16, act4(b2, kind, q0, q1));
            v128.store(o + 3 * px, act4(a3, kind, q0, q1));
            v128.store(o + 3 * px + 16, act4(b3, kind, q0, q1));
          }
          if (C8 < C) {
            for (let i = 0; i < 4; i++) {
              depthwisePixel(img, w, bias, yRow, W, C, CP, C8, oh, ow + i, kh0, kh1, 0, KW, KW, sh, sw, dh, dw, ph, pw, kind, q0, q1);
            }
          }
          ow += 4;
        } else {
          let kw0 = 0, kw1 = KW;
          while (kw0 < KW && ow * sw - pw + kw0 * dw < 0) kw0++;
          while (kw1 > kw0 && ow * sw - pw + (kw1 - 1) * dw >= W) kw1--;
          depthwisePixel(img, w, bias, yRow, W, C, CP, 0, oh, ow, kh0, kh1, kw0, kw1, KW, sh, sw, dh, dw, ph, pw, kind, q0, q1);
          ow++;
        }
      }
    }
  }
}

/** Channels [c0, C) of output pixel (oh, ow) over taps [kh0, kh1) × [kw0, kw1). */
// @ts-ignore: decorator
@inline
function depthwisePixel(
  img: usize, w: usize, bias: usize, yRow: usize, W: i32, C: i32, CP: i32, c0: i32,
  oh: i32, ow: i32, kh0: i32, kh1: i32, kw0: i32, kw1: i32, KW: i32,
  sh: i32, sw: i32, dh: i32, dw: i32, ph: i32, pw: i32, kind: i32, q0: f32, q1: f32,
): void {
  const out = yRow + (<usize>(ow * C) << 2);
  const xStep = <usize>(dw * C) << 2;
  const wStep = <usize>CP << 2;
  let c = c0;
  // 16 channels per tap visit: one address computation feeds 4 vector FMAs.
  for (; c + 16 <= C; c += 16) {
    const bp = bias + (<usize>c << 2);
    let s0 = v128.load(bp), s1 = v128.load(bp + 16), s2 = v128.load(bp + 32), s3 = v128.load(bp + 48);
    for (let kh = kh0; kh < kh1; kh++) {
      const ih = oh * sh - ph + kh * dh;
      let xp = img + ((<usize>((ih * W + ow * sw - pw + kw0 * dw) * C) + <usize>c) << 2);
      let wp = w + ((<usize>(kh * KW + kw0) * <usize>CP + <usize>c) << 2);
      for (let kw = kw0; kw < kw1; kw++) {
        s0 = f32x4.add(s0, f32x4.mul(v128.load(xp), v128.load(wp)));
        s1 = f32x4.add(s1, f32x4.mul(v128.load(xp + 16), v128.load(wp + 16)));
        s2 = f32x4.add(s2, f32x4.mul(v128.load(xp + 32), v128.load(wp + 32)));
        s3 = f32x4.add(s3, f32x4.mul(v128.load(xp + 48), v128.load(wp + 48)));
        xp += xStep;
        wp += wStep;
      }
    }
    const o = out + (<usize>c << 2);
    v128.store(o, act4(s0, kind, q0, q1));
    v128.store(o + 16, act4(s1, kind, q0, q1));
    v128.store(o + 32, act4(s2, kind, q0, q1));
    v128.store(o + 48, act4(s3, kind, q0, q1));
  }
  for (; c < C; c += 4) {
    let acc = v128.load(bias + (<usize>c << 2));
    for (let kh = kh0; kh < kh1; kh++) {
      const ih = oh * sh - ph + kh * dh;
      let xp = img + ((<usize>((ih * W + ow * sw - pw + kw0 * dw) * C) + <usize>c) << 2);
      let wp = w + ((<usize>(kh * KW + kw0) * <usize>CP + <usize>c) << 2);
      for (let kw = kw0; kw < kw1; kw++) {
        acc = f32x4.add(acc, f32x4.mul(v128.load(xp), v128.load(wp)));
        xp += xStep;
        wp += wStep;
      }
    }
    storeLanes(out + (<usize>c << 2), act4(acc, kind, q0, q1), C - c);
  }
}
