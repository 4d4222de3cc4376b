// Depthwise convolution (group == C == M) over row-major (NCHW) f32 planes, f32x4 SIMD along the
// output width. Used where the input and the readers of the output are row-major (a lone
// depthwise Conv), so no layout change is needed; channels-last chains use convDepthwiseNhwc.
// Weights are the ONNX ones as they are ([C][KH][KW]), bias [C].
import { act1, act4 } from './activation';
import { storeLanes } from './conv';

/**
 * y[p,oh,ow] = act(b[c] + sum x[p,ih,iw] * w[c,kh,kw]) for the output rows [r0, r1) of the
 * N·C·OH rows (p = n·C + c is a plane): threads take disjoint row ranges.
 */
export function convDepthwiseNchw(
  x: usize, w: usize, bias: usize, y: usize,
  C: i32, H: i32, W: i32, OH: i32, OW: i32,
  KH: i32, KW: i32, sh: i32, sw: i32, dh: i32, dw: i32, ph: i32, pw: i32,
  kind: i32, q0: f32, q1: f32, r0: i32, r1: i32,
): void {
  const plane = <usize>(H * W) << 2;
  // Stride 1: output columns [owLo, owHi) read only inside the input row at every tap.
  const owLo = pw;
  const owHi = min(OW, W + pw - (KW - 1) * dw);
  for (let r = r0; r < r1; r++) {
    const p = r / OH;
    const oh = r - p * OH;
    const c = p % C;
    let kh0 = 0, kh1 = KH;
    while (kh0 < KH && oh * sh - ph + kh0 * dh < 0) kh0++;
    while (kh1 > kh0 && oh * sh - ph + (kh1 - 1) * dh >= H) kh1--;
    // Row of tap kh0 and the weights of tap (kh0, 0); rows of later taps are dh rows apart.
    const xRow = x + <usize>p * plane + (<usize>((oh * sh - ph + kh0 * dh) * W) << 2);
    const wRow = w + (<usize>((c * KH + kh0) * KW) << 2);
    const yRow = y + (<usize>r * <usize>OW << 2);
    const b = load<f32>(bias + (<usize>c << 2));
    if (sw == 1) {
      rowStride1(xRow, wRow, yRow, b, W, OW, kh1 - kh0, KW, dh, dw, pw, owLo, owHi, kind, q0, q1);
    } else if (sw == 2) {
      rowStride2(xRow, wRow, yRow, b, W, OW, kh1 - kh0, KW, dh, dw, pw, kind, q0, q1);
    } else {
      rowScalar(xRow, wRow, yRow, b, W, 0, OW, kh1 - kh0, KW, sw, dh, dw, pw, kind, q0, q1);
    }
  }
}

/**
 * One output row at stride 1 over `nh` kernel rows. Vectors that touch the padding go first
 * (edgePair); then the interior [owLo, owHi), where every tap reads inside the row, in blocks of
 * 24, 16 or 4 outputs (at most 6 accumulators: with 8, V8 spills registers and runs slower). Each
 * tap is a weight splat times unaligned loads at the dilated offsets; the last block of a size is
 * moved back to end at owHi (recomputing a few outputs with the same operations in the same
 * order: the same bits) instead of running a slower, narrower tail.
 */
// @ts-ignore: decorator
@inline
function rowStride1(
  xRow: usize, wRow: usize, yRow: usize, b: f32,
  W: i32, OW: i32, nh: i32, KW: i32, dh: i32, dw: i32, pw: i32, owLo: i32, owHi: i32,
  kind: i32, q0: f32, q1: f32,
): void {
  const bv = f32x4.splat(b);
  const lo = max(0, owLo);
  const hi = min(OW, owHi);
  if (hi - lo < 4) {
    for (let ow = 0; ow < OW; ow += 8) {
      edgePair(xRow, wRow, yRow, bv, W, OW, ow, ow + 4 < OW ? ow + 4 : ow, nh, KW, dh, dw, pw, kind, q0, q1);
    }
    return;
  }
  // Edge vectors in pairs (two accumulator chains), the left ones with the right ones.
  let left = 0;
  let right = hi;
  while (left < lo || right < OW) {
    const a = left < lo ? left : right;
    if (left < lo) left += 4;
    else right += 4;
    let b2 = a;
    if (left < lo) {
      b2 = left;
      left += 4;
    } else if (right < OW) {
      b2 = right;
      right += 4;
    }
    edgePair(xRow, wRow, yRow, bv, W, OW, a, b2, nh, KW, dh, dw, pw, kind, q0, q1);
  }
  const rowStep = <usize>(dh * W) << 2;
  const tapStep = <usize>dw << 2;
  const wStep = <usize>KW << 2;
  const x0 = xRow - (<usize>pw << 2);
  const span = hi - lo;
  let ow = lo;
  while (ow < hi) {
    const rem = hi - ow;
    let width = 4;
    if (rem >= 24 || (span >= 24 && rem > 16)) width = 24;
    else if (rem >= 16 || (span >= 16 && rem > 4)) width = 16;
    if (ow + width > hi) ow = hi - width;
    let xr = x0 + (<usize>ow << 2);
    let wr = wRow;
    const o = yRow + (<usize>ow << 2);
    if (width == 24) {
      let a0 = bv, a1 = bv, a2 = bv, a3 = bv, a4 = bv, a5 = bv;
      for (let kh = 0; kh < nh; kh++) {
        let xp = xr;
        for (let kw = 0; kw < KW; kw++) {
          const wv = v128.load32_splat(wr + (<usize>kw << 2));
          a0 = f32x4.add(a0, f32x4.mul(v128.load(xp), wv));
          a1 = f32x4.add(a1, f32x4.mul(v128.load(xp, 16), wv));
          a2 = f32x4.add(a2, f32x4.mul(v128.load(xp, 32), wv));
          a3 = f32x4.add(a3, f32x4.mul(v128.load(xp, 48), wv));
          a4 = f32x4.add(a4, f32x4.mul(v128.load(xp, 64), wv));
          a5 = f32x4.add(a5, f32x4.mul(v128.load(xp, 80), wv));
          xp += tapStep;
        }
        xr += rowStep;
        wr += wStep;
      }
      v128.store(o, act4(a0, kind, q0, q1));
      v128.store(o, act4(a1, kind, q0, q1), 16);
      v128.store(o, act4(a2, kind, q0, q1), 32);
      v128.store(o, act4(a3, kind, q0, q1), 48);
      v128.store(o, act4(a4, kind, q0, q1), 64);
      v128.store(o, act4(a5, kind, q0, q1), 80);
    } else if (width == 16) {
      let a0 = bv, a1 = bv, a2 = bv, a3 = bv;
      for (let kh = 0; kh < nh; kh++) {
        let xp = xr;
        for (let kw = 0; kw < KW; kw++) {
          const wv = v128.load32_splat(wr + (<usize>kw << 2));
          a0 = f32x4.add(a0, f32x4.mul(v128.load(xp), wv));
          a1 = f32x4.add(a1, f32x4.mul(v128.load(xp, 16), wv));
          a2 = f32x4.add(a2, f32x4.mul(v128.load(xp, 32), wv));
          a3 = f32x4.add(a3, f32x4.mul(v128.load(xp, 48), wv));
          xp += tapStep;
        }
        xr += rowStep;
        wr += wStep;
      }
      v128.store(o, act4(a0, kind, q0, q1));
      v128.store(o, act4(a1, kind, q0, q1), 16);
      v128.store(o, act4(a2, kind, q0, q1), 32);
      v128.store(o, act4(a3, kind, q0, q1), 48);
    } else {
      let a0 = bv;
      for (let kh = 0; kh < nh; kh++) {
        let xp = xr;
        for (let kw = 0; kw < KW; kw++) {
          a0 = f32x4.add(a0, f32x4.mul(v128.load(xp), v128.load32_splat(wr + (<usize>kw << 2))));
          xp += tapStep;
        }
        xr += rowStep;
        wr += wStep;
      }
      v128.store(o, act4(a0, kind, q0, q1));
    }
    ow += width;
  }
}

/**
 * Outputs [oa, oa + 4) and [ob, ob + 4) (fewer at the row's end; ob may equal oa) where some tap
 * reads padding. Each tap loads the row at its first lane's column, clamped to [-3, W - 1] (so at
 * most 3 floats beyond either end: the neighbouring row or plane, or the buffer's slack), and
 * zeroes the lanes outside the row; two vectors at once keep two accumulator chains busy.
 */
// @ts-ignore: decorator
@inline
function edgePair(
  xRow: usize, wRow: usize, yRow: usize, bv: v128,
  W: i32, OW: i32, oa: i32, ob: i32, nh: i32, KW: i32, dh: i32, dw: i32, pw: i32,
  kind: i32, q0: f32, q1: f32,
): void {
  const lane = i32x4(0, 1, 2, 3);
  const width = i32x4.splat(W);
  const minus1 = i32x4.splat(-1);
  const rowStep = <usize>(dh * W) << 2;
  let a0 = bv, a1 = bv;
  for (let kw = 0; kw < KW; kw++) {
    const sa = oa - pw + kw * dw;
    const sb = ob - pw + kw * dw;
    const ia = i32x4.add(i32x4.splat(sa), lane);
    const ib = i32x4.add(i32x4.splat(sb), lane);
    const ma = v128.and(i32x4.gt_s(ia, minus1), i32x4.lt_s(ia, width));
    const mb = v128.and(i32x4.gt_s(ib, minus1), i32x4.lt_s(ib, width));
    // A tap whose lanes are all outside reads the clamped place and keeps none of it.
    let pa = xRow + <usize>(min(max(sa, -3), W - 1) << 2);
    let pb = xRow + <usize>(min(max(sb, -3), W - 1) << 2);
    let wp = wRow + (<usize>kw << 2);
    for (let kh = 0; kh < nh; kh++) {
      const wv = v128.load32_splat(wp);
      a0 = f32x4.add(a0, f32x4.mul(v128.and(v128.load(pa), ma), wv));
      a1 = f32x4.add(a1, f32x4.mul(v128.and(v128.load(pb), mb), wv));
      pa += rowStep;
      pb += rowStep;
      wp += <usize>KW << 2;
    }
  }
  storeLanes(yRow + (<usize>oa << 2), act4(a0, kind, q0, q1), min(4, OW - oa));
  storeLanes(yRow + (<usize>ob << 2), act4(a1, kind, q0, q1), min(4, OW - ob));
}

/** Outputs [o0, o1) of a row at any stride: pixel by pixel with the taps clipped to the row. */
// @ts-ignore: decorator
@inline
function rowScalar(
  xRow: usize, wRow: usize, yRow: usize, b: f32,
  W: i32, o0: i32, o1: i32, nh: i32, KW: i32, sw: i32, dh: i32, dw: i32, pw: i32,
  kind: i32, q0: f32, q1: f32,
): void {
  for (let ow = o0; ow < o1; ow++) {
    const s = ow * sw - pw;
    let kw0 = 0, kw1 = KW;
    while (kw0 < KW && s + kw0 * dw < 0) kw0++;
    while (kw1 > kw0 && s + (kw1 - 1) * dw >= W) kw1--;
    let acc = b;
    for (let kh = 0; kh < nh; kh++) {
      const xr = xRow + (<usize>(kh * dh * W) << 2);
      const wr = wRow + (<usize>(kh * KW) << 2);
      for (let kw = kw0; kw < kw1; kw++) {
        acc += load<f32>(xr + (<usize>(s + kw * dw) << 2)) * load<f32>(wr + (<usize>kw << 2));
      }
    }
    store<f32>(yRow + (<usize>ow << 2), act1(acc, kind, q0, q1));
  }
}

/**
 * One output row at stride 2: the edges pixel by pixel, the interior (every tap inside the row) in
 * vectors of 4 outputs, each tap's inputs the even lanes of two loads (reading one float past the
 * last one used: the next row or the buffer's slack), 4 vectors per block, the last block moved
 * back to end at the interior's end as in rowStride1.
 */
// @ts-ignore: decorator
@inline
function rowStride2(
  xRow: usize, wRow: usize, yRow: usize, b: f32,
  W: i32, OW: i32, nh: i32, KW: i32, dh: i32, dw: i32, pw: i32,
  kind: i32, q0: f32, q1: f32,
): void {
  const lo = min(OW, (pw + 1) >> 1);
  const last = W - 1 + pw - (KW - 1) * dw;
  const hi = last < 0 ? lo : max(lo, min(OW, (last >> 1) + 1));
  if (hi - lo < 4) {
    rowScalar(xRow, wRow, yRow, b, W, 0, OW, nh, KW, 2, dh, dw, pw, kind, q0, q1);
    return;
  }
  rowScalar(xRow, wRow, yRow, b, W, 0, lo, nh, KW, 2, dh, dw, pw, kind, q0, q1);
  rowScalar(xRow, wRow, yRow, b, W, hi, OW, nh, KW, 2, dh, dw, pw, kind, q0, q1);
  const bv = f32x4.splat(b);
  const rowStep = <usize>(dh * W) << 2;
  const tapStep = <usize>dw << 2;
  const wStep = <usize>KW << 2;
  const span = hi - lo;
  let ow = lo;
  while (ow < hi) {
    const width = hi - ow >= 16 || (span >= 16 && hi - ow > 4) ? 16 : 4;
    if (ow + width > hi) ow = hi - width;
    let xr = xRow + (<usize>(2 * ow - pw) << 2);
    let wr = wRow;
    const o = yRow + (<usize>ow << 2);
    if (width == 16) {
      let a0 = bv, a1 = bv, a2 = bv, a3 = bv;
      for (let kh = 0; kh < nh; kh++) {
        let xp = xr;
        for (let kw = 0; kw < KW; kw++) {
          const wv = v128.load32_splat(wr + (<usize>kw << 2));
          a0 = f32x4.add(a0, f32x4.mul(even(xp, 0), wv));
          a1 = f32x4.add(a1, f32x4.mul(even(xp, 32), wv));
          a2 = f32x4.add(a2, f32x4.mul(even(xp, 64), wv));
          a3 = f32x4.add(a3, f32x4.mul(even(xp, 96), wv));
          xp += tapStep;
        }
        xr += rowStep;
        wr += wStep;
      }
      v128.store(o, act4(a0, kind, q0, q1));
      v128.store(o, act4(a1, kind, q0, q1), 16);
      v128.store(o, act4(a2, kind, q0, q1), 32);
      v128.store(o, act4(a3, kind, q0, q1), 48);
    } else {
      let a0 = bv;
      for (let kh = 0; kh < nh; kh++) {
        let xp = xr;
        for (let kw = 0; kw < KW; kw++) {
          a0 = f32x4.add(a0, f32x4.mul(even(xp, 0), v128.load32_splat(wr + (<usize>kw << 2))));
          xp += tapStep;
        }
        xr += rowStep;
        wr += wStep;
      }
      v128.store(o, act4(a0, kind, q0, q1));
    }
    ow += width;
  }
}

/** Floats 0, 2, 4, 6 from p + off (bytes). */
// @ts-ignore: decorator
@inline
function even(p: usize, off: usize): v128 {
  return v128.shuffle<f32>(v128.load(p + off), v128.load(p + off + 16), 0, 2, 4, 6);
}
