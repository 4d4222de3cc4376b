// Depthwise convolution (group == C == M) over row-major (NCHW) f32 planes, f32x4 SIMD along the
// output width. Used where the input and the readers of the output are row-major (a lone
// depthwise Conv), so no layout change is needed; channels-last chains use convDepthwiseNhwc.
// Weights are the ONNX ones as they are ([C][KH][KW]), bias [C]. A fused activation runs as a
// pass over each finished row (`unary`), not inside every block.
import { unary } from './activation';
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
  // (plane, row, channel) of row r0, then advanced row by row: no divisions per row.
  let p = r0 / OH;
  let oh = r0 - p * OH;
  let c = p % C;
  for (let r = r0; r < r1; ) {
    if (oh == OH) {
      oh = 0;
      p++;
      c = c + 1 == C ? 0 : c + 1;
    }
    const ih = oh * sh - ph;
    const kh0 = firstTap(ih, KH, dh);
    const kh1 = endTap(ih, kh0, KH, dh, H);
    // Row of tap kh0 and the weights of tap (kh0, 0); rows of later taps are dh rows apart.
    const xRow = x + <usize>p * plane + (<usize>((ih + kh0 * dh) * W) << 2);
    const wRow = w + (<usize>((c * KH + kh0) * KW) << 2);
    const yRow = y + (<usize>r * <usize>OW << 2);
    const b = load<f32>(bias + (<usize>c << 2));
    // At stride 1 the plane's next row, if it is ours and has the same kernel rows [kh0, kh1),
    // goes along: its edge vectors share the loops and masks of this row's.
    let two = sw == 1 && r + 1 < r1 && oh + 1 < OH;
    if (two) {
      const next = firstTap(ih + sh, KH, dh);
      two = next == kh0 && endTap(ih + sh, next, KH, dh, H) == kh1;
    }
    if (two) {
      rowStride1(true, xRow, wRow, yRow, b, W, OW, kh1 - kh0, KW, sh * W, dh, dw, pw, owLo, owHi);
    } else if (sw == 1) {
      rowStride1(false, xRow, wRow, yRow, b, W, OW, kh1 - kh0, KW, 0, dh, dw, pw, owLo, owHi);
    } else if (sw == 2) {
      rowStride2(xRow, wRow, yRow, b, W, OW, kh1 - kh0, KW, dh, dw, pw);
    } else {
      rowScalar(xRow, wRow, yRow, b, W, 0, OW, kh1 - kh0, KW, sw, dh, dw, pw);
    }
    const rows = two ? 2 : 1;
    // The activation as a pass over the rows (still in cache) keeps its 8 kinds out of every block.
    if (kind != 0) unary(yRow, yRow, rows * OW, kind, q0, q1);
    oh += rows;
    r += rows;
  }
}

/** The first kernel row whose input row (ih + kh·dh) is inside the image. */
// @ts-ignore: decorator
@inline
function firstTap(ih: i32, KH: i32, dh: i32): i32 {
  let kh = 0;
  while (kh < KH && ih + kh * dh < 0) kh++;
  return kh;
}

/** One past the last kernel row (from kh0 on) whose input row is inside the image. */
// @ts-ignore: decorator
@inline
function endTap(ih: i32, kh0: i32, KH: i32, dh: i32, H: i32): i32 {
  let kh = KH;
  while (kh > kh0 && ih + (kh - 1) * dh >= H) kh--;
  return kh;
}

/**
 * One output row at stride 1 over `nh` kernel rows (with `two`, also the plane's next row, whose
 * inputs start `nextRow` floats later). The interior [lo, hi) (every tap reads inside the row)
 * runs in vectors from L (lo rounded up to 4) to R (the last multiple of 4 past L within hi); the
 * vectors before L and from R on touch the padding (edgeVectors). A row so costs ⌈OW/4⌉ vectors,
 * none computed twice.
 */
// @ts-ignore: decorator
@inline
function rowStride1(
  two: bool, xRow: usize, wRow: usize, yRow: usize, b: f32,
  W: i32, OW: i32, nh: i32, KW: i32, nextRow: i32, dh: i32, dw: i32, pw: i32, owLo: i32, owHi: i32,
): void {
  const bv = f32x4.splat(b);
  const lo = max(0, owLo);
  const hi = min(OW, owHi);
  let L = (lo + 3) & ~3;
  let R = L + ((hi - L) & ~3);
  if (hi - L < 4) L = R = 0;
  const xNext = <usize>nextRow << 2;
  const yNext = <usize>OW << 2;
  // Edge vectors in pairs: starts 0, 4, …, L − 4, then R, R + 4, … < OW.
  const nl = L >> 2;
  const ne = nl + ((OW - R + 3) >> 2);
  for (let i = 0; i < ne; i += 2) {
    const a = i < nl ? i << 2 : R + ((i - nl) << 2);
    const j = i + 1 < ne ? i + 1 : i;
    const e = j < nl ? j << 2 : R + ((j - nl) << 2);
    if (two) edgeVectors(true, xRow, xNext, wRow, yRow, yNext, bv, W, OW, a, e, nh, KW, dh, dw, pw);
    else edgeVectors(false, xRow, 0, wRow, yRow, 0, bv, W, OW, a, e, nh, KW, dh, dw, pw);
  }
  const nv = (R - L) >> 2;
  const x0 = xRow + (<usize>(L - pw) << 2);
  const o0 = yRow + (<usize>L << 2);
  interior(false, x0, wRow, o0, bv, nv, nh, KW, dh * W, dw);
  if (two) interior(false, x0 + xNext, wRow, o0 + yNext, bv, nv, nh, KW, dh * W, dw);
}

/**
 * Most vectors (accumulators) per block. V8 issues all loads of a tap before the arithmetic, so
 * they must fit in the 15 free xmm registers beside the accumulators: at stride 1 one load per
 * vector (8 spill), at stride 2 two loads and a shuffle (more than 4 spill).
 */
const MAX_BLOCK_S1 = 7;
const MAX_BLOCK_S2 = 4;

/**
 * `nv` output vectors from `o` on, whose taps all read inside the row (first tap at `x`; stride 2:
 * `s2`), in blocks of at most MAX_BLOCK_* vectors; with 8…13 left (at stride 1) two near-equal
 * blocks rather than a full one and a short one.
 */
// @ts-ignore: decorator
@inline
function interior(
  s2: bool, x: usize, w: usize, o: usize, bv: v128, nv: i32, nh: i32, KW: i32, rowElems: i32, dw: i32,
): void {
  const rowStep = <usize>rowElems << 2;
  const tapStep = <usize>dw << 2;
  const xVec: usize = s2 ? 32 : 16;
  const most = s2 ? MAX_BLOCK_S2 : MAX_BLOCK_S1;
  while (nv > 0) {
    const n = nv > 2 * most - 1 || nv == most ? most : nv > most ? (nv + 1) >> 1 : nv;
    // A constant width per call, so each copy keeps its accumulators in registers.
    if (n == 7) block(7, s2, x, w, o, bv, nh, KW, rowStep, tapStep);
    else if (n == 6) block(6, s2, x, w, o, bv, nh, KW, rowStep, tapStep);
    else if (n == 5) block(5, s2, x, w, o, bv, nh, KW, rowStep, tapStep);
    else if (n == 4) block(4, s2, x, w, o, bv, nh, KW, rowStep, tapStep);
    else if (n == 3) block(3, s2, x, w, o, bv, nh, KW, rowStep, tapStep);
    else if (n == 2) block(2, s2, x, w, o, bv, nh, KW, rowStep, tapStep);
    else block(1, s2, x, w, o, bv, nh, KW, rowStep, tapStep);
    x += <usize>n * xVec;
    o += <usize>n << 4;
    nv -= n;
  }
}

/**
 * `nv` (a constant after inlining: 1…7) output vectors at `o`, one accumulator each, summed in the
 * order bias, then kernel row by row, tap by tap (as rowScalar and convDepthwiseNhwc). One body
 * for every width: each `nv` is an inlined copy with only its accumulators (as fast as the
 * hand-written 24/16/4-output copies it replaces).
 */
// @ts-ignore: decorator
@inline
function block(
  nv: i32, s2: bool, x: usize, w: usize, o: usize, bv: v128, nh: i32, KW: i32,
  rowStep: usize, tapStep: usize,
): void {
  let a0 = bv, a1 = bv, a2 = bv, a3 = bv, a4 = bv, a5 = bv, a6 = bv;
  const wStep = <usize>KW << 2;
  for (let kh = 0; kh < nh; kh++) {
    let xp = x;
    for (let kw = 0; kw < KW; kw++) {
      const wv = v128.load32_splat(w + (<usize>kw << 2));
      a0 = madd(a0, vec(xp, 0, s2), wv);
      if (nv > 1) a1 = madd(a1, vec(xp, 1, s2), wv);
      if (nv > 2) a2 = madd(a2, vec(xp, 2, s2), wv);
      if (nv > 3) a3 = madd(a3, vec(xp, 3, s2), wv);
      if (nv > 4) a4 = madd(a4, vec(xp, 4, s2), wv);
      if (nv > 5) a5 = madd(a5, vec(xp, 5, s2), wv);
      if (nv > 6) a6 = madd(a6, vec(xp, 6, s2), wv);
      xp += tapStep;
    }
    x += rowStep;
    w += wStep;
  }
  v128.store(o, a0);
  if (nv > 1) v128.store(o, a1, 16);
  if (nv > 2) v128.store(o, a2, 32);
  if (nv > 3) v128.store(o, a3, 48);
  if (nv > 4) v128.store(o, a4, 64);
  if (nv > 5) v128.store(o, a5, 80);
  if (nv > 6) v128.store(o, a6, 96);
}

/** a + x·w, rounded twice (no fused multiply-add: the same bits on every engine). */
// @ts-ignore: decorator
@inline
function madd(a: v128, x: v128, w: v128): v128 {
  return f32x4.add(a, f32x4.mul(x, w));
}

/** Output vector `i`'s inputs at a tap starting at p: 4 floats (stride 1) or 4 even ones of 8. */
// @ts-ignore: decorator
@inline
function vec(p: usize, i: usize, s2: bool): v128 {
  return s2 ? even(p, i << 5) : v128.load(p + (i << 4));
}

/**
 * Outputs [oa, oa + 4) and [ob, ob + 4) (fewer at the row's end; ob may equal oa) where some tap
 * reads padding, and with `two` the same ones of the next row (inputs `xNext` bytes later, outputs
 * `yNext`), which share the masks. Each tap loads the row at its first lane's column, clamped to
 * [-3, W - 1] (so at most 3 floats beyond either end: the neighbouring row or plane, or the
 * buffer's slack), and zeroes the lanes outside the row; 2 or 4 accumulator chains at once. Taps
 * go column by column (one mask pair per column), so these outputs round differently from
 * block's row-by-row order (within float32 rounding; the same on every thread count).
 */
// @ts-ignore: decorator
@inline
function edgeVectors(
  two: bool, xRow: usize, xNext: usize, wRow: usize, yRow: usize, yNext: usize, bv: v128,
  W: i32, OW: i32, oa: i32, ob: i32, nh: i32, KW: i32, dh: i32, dw: i32, pw: i32,
): void {
  const lane = i32x4(0, 1, 2, 3);
  const width = i32x4.splat(W);
  const minus1 = i32x4.splat(-1);
  const rowStep = <usize>(dh * W) << 2;
  let a0 = bv, a1 = bv, a2 = bv, a3 = bv;
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
      a0 = madd(a0, v128.and(v128.load(pa), ma), wv);
      a1 = madd(a1, v128.and(v128.load(pb), mb), wv);
      if (two) {
        a2 = madd(a2, v128.and(v128.load(pa + xNext), ma), wv);
        a3 = madd(a3, v128.and(v128.load(pb + xNext), mb), wv);
      }
      pa += rowStep;
      pb += rowStep;
      wp += <usize>KW << 2;
    }
  }
  storeLanes(yRow + (<usize>oa << 2), a0, min(4, OW - oa));
  storeLanes(yRow + (<usize>ob << 2), a1, min(4, OW - ob));
  if (two) {
    storeLanes(yRow + yNext + (<usize>oa << 2), a2, min(4, OW - oa));
    storeLanes(yRow + yNext + (<usize>ob << 2), a3, min(4, OW - ob));
  }
}

/** Outputs [o0, o1) of a row at any stride: pixel by pixel with the taps clipped to the row. */
// @ts-ignore: decorator
@inline
function rowScalar(
  xRow: usize, wRow: usize, yRow: usize, b: f32,
  W: i32, o0: i32, o1: i32, nh: i32, KW: i32, sw: i32, dh: i32, dw: i32, pw: i32,
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
    store<f32>(yRow + (<usize>ow << 2), acc);
  }
}

/**
 * One output row at stride 2: the edges pixel by pixel, the interior (every tap inside the row) in
 * blocks of vectors of 4 outputs (each tap's inputs the even lanes of two loads, reading one float past the
 * last one used: the next row or the buffer's slack), the last vector moved back to end at the
 * interior's end (recomputing a few outputs with the same operations in the same order).
 */
// @ts-ignore: decorator
@inline
function rowStride2(
  xRow: usize, wRow: usize, yRow: usize, b: f32,
  W: i32, OW: i32, nh: i32, KW: i32, dh: i32, dw: i32, pw: i32,
): void {
  const lo = min(OW, (pw + 1) >> 1);
  const last = W - 1 + pw - (KW - 1) * dw;
  const hi = last < 0 ? lo : max(lo, min(OW, (last >> 1) + 1));
  if (hi - lo < 4) {
    rowScalar(xRow, wRow, yRow, b, W, 0, OW, nh, KW, 2, dh, dw, pw);
    return;
  }
  rowScalar(xRow, wRow, yRow, b, W, 0, lo, nh, KW, 2, dh, dw, pw);
  rowScalar(xRow, wRow, yRow, b, W, hi, OW, nh, KW, 2, dh, dw, pw);
  const bv = f32x4.splat(b);
  const rowElems = dh * W;
  const x0 = xRow + (<usize>(2 * lo - pw) << 2);
  interior(true, x0, wRow, yRow + (<usize>lo << 2), bv, (hi - lo) >> 2, nh, KW, rowElems, dw);
  if ((hi - lo) & 3) {
    const ow = hi - 4;
    const xo = xRow + (<usize>(2 * ow - pw) << 2);
    interior(true, xo, wRow, yRow + (<usize>ow << 2), bv, 1, nh, KW, rowElems, dw);
  }
}

/** Floats 0, 2, 4, 6 from p + off (bytes). */
// @ts-ignore: decorator
@inline
function even(p: usize, off: usize): v128 {
  return v128.shuffle<f32>(v128.load(p + off), v128.load(p + off + 16), 0, 2, 4, 6);
}
