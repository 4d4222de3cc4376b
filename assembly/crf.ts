// Dense-CRF mean-field iterations on a permutohedral lattice (see src/post/crf/lattice.ts for the
// layout; the lattice is built by crf_lattice.ts). Values are interleaved per pixel / lattice
// point, `cp` floats each (classes padded to a multiple of 4), so every loop runs f32x4 over
// classes. Lattice point ids are 1-based; row 0 stays zero. All pointers are byte offsets the
// caller laid out in this module's memory. Nothing here allocates.
import { expPoly } from './activation';

/**
 * expf4 of activation.ts (Cephes expf, the same operations in the same order, so bit-identical for
 * non-NaN input) with the cheap forms of its clamp and rounding: pmin / pmax are one instruction
 * (min / max are IEEE-exact about NaN and ±0, several in V8), and the floored exponent is turned
 * into an integer by adding 1.5 · 2^23 (exact for |n| < 2^22) instead of a saturating truncation.
 */
// @ts-ignore: decorator
@inline
function expf4c(x: v128): v128 {
  x = f32x4.pmin(f32x4.pmax(x, f32x4.splat(-87.0)), f32x4.splat(88.0));
  const fx = f32x4.floor(f32x4.add(f32x4.mul(x, f32x4.splat(1.44269504088896341)), f32x4.splat(0.5)));
  const y = expPoly(x, fx);
  // (n + 1.5 · 2^23) has n + 0x400000 in its low mantissa bits: n + 127 = bits − 0x4b400000 + 127.
  const n = i32x4.sub(f32x4.add(fx, f32x4.splat(12582912.0)), i32x4.splat(0x4b400000 - 127));
  return f32x4.mul(y, i32x4.shl(n, 23));
}

/**
 * Softmax over the first `c` of `cp` lanes of the row at `row` (in place; padding lanes get 0).
 * Only the last group of 4 has padding lanes: `last` masks its valid ones (the caller computes it
 * once). The max is reduced with shuffles (exact in any order); the sum in lane order.
 */
// @ts-ignore: decorator
@inline
function softmaxRow(row: usize, cp: i32, last: v128): void {
  const end = (<usize>cp << 2) - 16;
  const negInf = f32x4.splat(-Infinity);
  let mx = v128.bitselect(v128.load(row + end), negInf, last);
  for (let o: usize = 0; o < end; o += 16) mx = f32x4.pmax(mx, v128.load(row + o));
  mx = f32x4.pmax(mx, v128.shuffle<f32>(mx, mx, 2, 3, 0, 1));
  const mv = f32x4.pmax(mx, v128.shuffle<f32>(mx, mx, 1, 0, 3, 2));
  let sum = f32x4.splat(0);
  for (let o: usize = 0; o < end; o += 16) {
    const e = expf4c(f32x4.sub(v128.load(row + o), mv));
    v128.store(row + o, e);
    sum = f32x4.add(sum, e);
  }
  const e = v128.and(expf4c(f32x4.sub(v128.load(row + end), mv)), last);
  v128.store(row + end, e);
  sum = f32x4.add(sum, e);
  const s =
    f32x4.extract_lane(sum, 0) + f32x4.extract_lane(sum, 1) + f32x4.extract_lane(sum, 2) + f32x4.extract_lane(sum, 3);
  const inv = f32x4.splat(<f32>1 / s);
  for (let o: usize = 0; o <= end; o += 16) v128.store(row + o, f32x4.mul(v128.load(row + o), inv));
}

// The lattice value buffers are class-chunk-major: `cp / cw` chunks of (m + 1) rows x `cw` floats,
// `chunk` bytes apart, so one chunk's blur works on a fraction of the buffer (cache-sized pieces)
// while Q and the unaries stay pixel-major with `cp` floats per pixel.

/**
 * The 24-lane splat gather (21 classes, whole rows: no block loops, fewer instructions per point)
 * of points [p0, p1) into out + (p & mask) · 96 (mask −1: a whole buffer; else a ring of rows).
 */
// @ts-ignore: decorator
@inline
function splatRows24(p0: i32, p1: i32, start: usize, pix: usize, sw: usize, q: usize, out: usize, mask: i32): void {
  for (let p = p0; p < p1; p++) {
    const e0 = load<i32>(start + (<usize>p << 2));
    const end = load<i32>(start + (<usize>(p + 1) << 2));
    let w = f32x4.splat(load<f32>(sw + (<usize>e0 << 2)));
    let src = q + <usize>load<i32>(pix + (<usize>e0 << 2)) * 96;
    let s0 = f32x4.mul(w, v128.load(src));
    let s1 = f32x4.mul(w, v128.load(src, 16));
    let s2 = f32x4.mul(w, v128.load(src, 32));
    let s3 = f32x4.mul(w, v128.load(src, 48));
    let s4 = f32x4.mul(w, v128.load(src, 64));
    let s5 = f32x4.mul(w, v128.load(src, 80));
    for (let e = e0 + 1; e < end; e++) {
      w = f32x4.splat(load<f32>(sw + (<usize>e << 2)));
      src = q + <usize>load<i32>(pix + (<usize>e << 2)) * 96;
      s0 = f32x4.add(s0, f32x4.mul(w, v128.load(src)));
      s1 = f32x4.add(s1, f32x4.mul(w, v128.load(src, 16)));
      s2 = f32x4.add(s2, f32x4.mul(w, v128.load(src, 32)));
      s3 = f32x4.add(s3, f32x4.mul(w, v128.load(src, 48)));
      s4 = f32x4.add(s4, f32x4.mul(w, v128.load(src, 64)));
      s5 = f32x4.add(s5, f32x4.mul(w, v128.load(src, 80)));
    }
    const o = out + <usize>(p & mask) * 96;
    v128.store(o, s0);
    v128.store(o, s1, 16);
    v128.store(o, s2, 32);
    v128.store(o, s3, 48);
    v128.store(o, s4, 64);
    v128.store(o, s5, 80);
  }
}

/**
 * Splat as a gather: a[p] = Σ_e sw[e] · q[pix[e]] over the entries start[p] .. start[p + 1] of each
 * lattice point p in [p0, p1) (1-based; the whole lattice is [1, m + 1)), the CSR transpose of the
 * pixels' simplices built by crfBuildSplat, so every row is written once by one caller, with no
 * zeroing or scatter (threads take disjoint point ranges). Row 0 of `a` is left alone.
 */
export function crfSplat(
  p0: i32,
  p1: i32,
  cp: i32,
  cw: i32,
  chunk: usize,
  start: usize,
  pix: usize,
  sw: usize,
  q: usize,
  a: usize,
): void {
  const row = <usize>cp << 2;
  const crow = <usize>cw << 2;
  const chunks = cp / cw;
  if (crow == 96 && chunks == 1) {
    splatRows24(p0, p1, start, pix, sw, q, a, -1);
    return;
  }
  for (let p = p0; p < p1; p++) {
    const e0 = load<i32>(start + (<usize>p << 2));
    const end = load<i32>(start + (<usize>(p + 1) << 2));
    for (let ch = 0; ch < chunks; ch++) {
      const o = a + <usize>ch * chunk + <usize>p * crow;
      const qc = q + <usize>ch * crow;
      // 24, then 12, then 4 lanes at a time in registers (the entries are re-read from L1 per
      // block); the first entry initializes the sums (every point has at least one); each lane is
      // summed in entry order, as a whole-row sum would be.
      let l: usize = 0;
      for (; l + 96 <= crow; l += 96) {
        let w = f32x4.splat(load<f32>(sw + (<usize>e0 << 2)));
        let src = qc + <usize>load<i32>(pix + (<usize>e0 << 2)) * row + l;
        let s0 = f32x4.mul(w, v128.load(src));
        let s1 = f32x4.mul(w, v128.load(src, 16));
        let s2 = f32x4.mul(w, v128.load(src, 32));
        let s3 = f32x4.mul(w, v128.load(src, 48));
        let s4 = f32x4.mul(w, v128.load(src, 64));
        let s5 = f32x4.mul(w, v128.load(src, 80));
        for (let e = e0 + 1; e < end; e++) {
          w = f32x4.splat(load<f32>(sw + (<usize>e << 2)));
          src = qc + <usize>load<i32>(pix + (<usize>e << 2)) * row + l;
          s0 = f32x4.add(s0, f32x4.mul(w, v128.load(src)));
          s1 = f32x4.add(s1, f32x4.mul(w, v128.load(src, 16)));
          s2 = f32x4.add(s2, f32x4.mul(w, v128.load(src, 32)));
          s3 = f32x4.add(s3, f32x4.mul(w, v128.load(src, 48)));
          s4 = f32x4.add(s4, f32x4.mul(w, v128.load(src, 64)));
          s5 = f32x4.add(s5, f32x4.mul(w, v128.load(src, 80)));
        }
        v128.store(o + l, s0);
        v128.store(o + l, s1, 16);
        v128.store(o + l, s2, 32);
        v128.store(o + l, s3, 48);
        v128.store(o + l, s4, 64);
        v128.store(o + l, s5, 80);
      }
      for (; l + 48 <= crow; l += 48) {
        let w = f32x4.splat(load<f32>(sw + (<usize>e0 << 2)));
        let src = qc + <usize>load<i32>(pix + (<usize>e0 << 2)) * row + l;
        let s0 = f32x4.mul(w, v128.load(src));
        let s1 = f32x4.mul(w, v128.load(src, 16));
        let s2 = f32x4.mul(w, v128.load(src, 32));
        for (let e = e0 + 1; e < end; e++) {
          w = f32x4.splat(load<f32>(sw + (<usize>e << 2)));
          src = qc + <usize>load<i32>(pix + (<usize>e << 2)) * row + l;
          s0 = f32x4.add(s0, f32x4.mul(w, v128.load(src)));
          s1 = f32x4.add(s1, f32x4.mul(w, v128.load(src, 16)));
          s2 = f32x4.add(s2, f32x4.mul(w, v128.load(src, 32)));
        }
        v128.store(o + l, s0);
        v128.store(o + l, s1, 16);
        v128.store(o + l, s2, 32);
      }
      for (; l < crow; l += 16) {
        let s0 = f32x4.mul(
          f32x4.splat(load<f32>(sw + (<usize>e0 << 2))),
          v128.load(qc + <usize>load<i32>(pix + (<usize>e0 << 2)) * row + l),
        );
        for (let e = e0 + 1; e < end; e++) {
          const w = f32x4.splat(load<f32>(sw + (<usize>e << 2)));
          s0 = f32x4.add(s0, f32x4.mul(w, v128.load(qc + <usize>load<i32>(pix + (<usize>e << 2)) * row + l)));
        }
        v128.store(o + l, s0);
      }
    }
  }
}

/**
 * Rows i in [i0, i1) of one blur direction [1/2, 1, 1/2]: out[i] = in[i] + (in[n−] + in[n+]) / 2,
 * `e` the pairs (n−, n+) of row i0. Row i of `in` / `out` is at base + (i & mask) · row (mask −1:
 * a whole buffer; else a ring of rows); an absent neighbour (0) reads `zero`.
 */
// @ts-ignore: decorator
@inline
function blurRows(
  i0: i32,
  i1: i32,
  e: usize,
  inBase: usize,
  inMask: i32,
  zero: usize,
  outBase: usize,
  outMask: i32,
  row: usize,
): void {
  const half = f32x4.splat(0.5);
  if (row == 96) {
    // 24 lanes (21 classes): unrolled, fewer instructions per row so more rows' neighbour
    // misses are in flight at once (the blur waits on them, not on arithmetic).
    for (let i = i0; i < i1; i++, e += 8) {
      const n1 = load<i32>(e);
      const n2 = load<i32>(e, 4);
      const so = inBase + <usize>(i & inMask) * 96;
      const o1 = n1 != 0 ? inBase + <usize>(n1 & inMask) * 96 : zero;
      const o2 = n2 != 0 ? inBase + <usize>(n2 & inMask) * 96 : zero;
      const dO = outBase + <usize>(i & outMask) * 96;
      v128.store(dO, f32x4.add(v128.load(so), f32x4.mul(half, f32x4.add(v128.load(o1), v128.load(o2)))));
      v128.store(dO, f32x4.add(v128.load(so, 16), f32x4.mul(half, f32x4.add(v128.load(o1, 16), v128.load(o2, 16)))), 16);
      v128.store(dO, f32x4.add(v128.load(so, 32), f32x4.mul(half, f32x4.add(v128.load(o1, 32), v128.load(o2, 32)))), 32);
      v128.store(dO, f32x4.add(v128.load(so, 48), f32x4.mul(half, f32x4.add(v128.load(o1, 48), v128.load(o2, 48)))), 48);
      v128.store(dO, f32x4.add(v128.load(so, 64), f32x4.mul(half, f32x4.add(v128.load(o1, 64), v128.load(o2, 64)))), 64);
      v128.store(dO, f32x4.add(v128.load(so, 80), f32x4.mul(half, f32x4.add(v128.load(o1, 80), v128.load(o2, 80)))), 80);
    }
    return;
  }
  for (let i = i0; i < i1; i++, e += 8) {
    const n1 = load<i32>(e);
    const n2 = load<i32>(e, 4);
    const so = inBase + <usize>(i & inMask) * row;
    const o1 = n1 != 0 ? inBase + <usize>(n1 & inMask) * row : zero;
    const o2 = n2 != 0 ? inBase + <usize>(n2 & inMask) * row : zero;
    const dO = outBase + <usize>(i & outMask) * row;
    for (let l: usize = 0; l < row; l += 16) {
      const nbs = f32x4.add(v128.load(o1 + l), v128.load(o2 + l));
      v128.store(dO + l, f32x4.add(v128.load(so + l), f32x4.mul(half, nbs)));
    }
  }
}

/**
 * One blur direction [1/2, 1, 1/2] over rows i in [i0, i1) (1-based) of `m` lattice points:
 * dst[i] = src[i] + (src[nb−] + src[nb+]) / 2, rows `row` bytes apart (row 0 of src is zero);
 * `nb` is this direction's neighbour pairs (crfBuildNeighbors). Each row is written by one caller,
 * so threads take disjoint ranges, with a barrier between directions (the host ping-pongs).
 *
 * With `dirs` > 1 (one thread, the whole lattice: i0 = 1, i1 = m + 1): all `dirs` directions in
 * one sweep (crfBlurWave), `nb` the first direction's pairs; with `start` ≠ 0 (24 lanes) the
 * splat of q (crfSplat's start, pix, sw) runs in the sweep too and src is not read. Callers that
 * pass 6 arguments get 0 for the rest.
 */
export function crfBlurDir(
  i0: i32,
  i1: i32,
  rowBytes: i32,
  nb: usize,
  src: usize,
  dst: usize,
  dirs: i32,
  lag: i32,
  ring: usize,
  start: usize,
  pix: usize,
  sw: usize,
  q: usize,
): void {
  const row = <usize>rowBytes;
  if (dirs > 1) {
    crfBlurWave(i1 - 1, row, nb, src, dst, dirs, lag, ring, start, pix, sw, q);
    return;
  }
  const half = f32x4.splat(0.5);
  if (row == 96) {
    // 24 lanes (21 classes): unrolled, fewer instructions per row so more rows' neighbour
    // misses are in flight at once (the blur waits on them, not on arithmetic).
    for (let i = i0; i < i1; i++) {
      const e = nb + (<usize>(i - 1) << 3);
      const o = <usize>i * 96;
      const o1 = src + <usize>load<i32>(e) * 96;
      const o2 = src + <usize>load<i32>(e, 4) * 96;
      const so = src + o;
      const dO = dst + o;
      v128.store(dO, f32x4.add(v128.load(so), f32x4.mul(half, f32x4.add(v128.load(o1), v128.load(o2)))));
      v128.store(dO, f32x4.add(v128.load(so, 16), f32x4.mul(half, f32x4.add(v128.load(o1, 16), v128.load(o2, 16)))), 16);
      v128.store(dO, f32x4.add(v128.load(so, 32), f32x4.mul(half, f32x4.add(v128.load(o1, 32), v128.load(o2, 32)))), 32);
      v128.store(dO, f32x4.add(v128.load(so, 48), f32x4.mul(half, f32x4.add(v128.load(o1, 48), v128.load(o2, 48)))), 48);
      v128.store(dO, f32x4.add(v128.load(so, 64), f32x4.mul(half, f32x4.add(v128.load(o1, 64), v128.load(o2, 64)))), 64);
      v128.store(dO, f32x4.add(v128.load(so, 80), f32x4.mul(half, f32x4.add(v128.load(o1, 80), v128.load(o2, 80)))), 80);
    }
    return;
  }
  blurRows(i0, i1, nb + (<usize>(i0 - 1) << 3), src, -1, src, dst, -1, row);
}

/** Rows per wavefront step (each direction's inner loop runs over this many rows). */
const WAVE_BLOCK = 256;

/**
 * All `dirs` blur directions of a lattice whose neighbours are at most `lag` ids away, as a
 * wavefront: step t0 runs direction s over rows [t0 − s · lag, + WAVE_BLOCK), whose neighbours in
 * direction s − 1's output are done by then. Direction s < dirs − 1 writes ring s (at ring + s ·
 * size rows, size = 2^k > 2 · lag + WAVE_BLOCK rows; one zero row after the rings stands for
 * absent neighbours), the last writes dst: src is read once and dst written once, the rest stays
 * in a cache-sized window instead of dirs full passes over memory. With `start` ≠ 0 the splat
 * (crfSplat's 24-lane gather) runs one lag ahead of direction 0 into ring dirs − 1, which
 * direction 0 reads instead of src. The same operations on the same values as crfSplat and dirs
 * crfBlurDir passes: bit-identical.
 */
function crfBlurWave(
  m: i32,
  row: usize,
  nb: usize,
  src: usize,
  dst: usize,
  dirs: i32,
  lag: i32,
  ring: usize,
  start: usize,
  pix: usize,
  sw: usize,
  q: usize,
): void {
  let size = 1;
  while (size <= 2 * lag + WAVE_BLOCK) size <<= 1;
  const mask = size - 1;
  const ringBytes = <usize>size * row;
  const splat = start != 0 && row == 96;
  const rings = splat ? dirs : dirs - 1;
  const zero = ring + <usize>rings * ringBytes;
  const splatRing = ring + <usize>(dirs - 1) * ringBytes;
  const shift = splat ? lag : 0;
  const dirBytes = <usize>m << 3;
  const last = m + (dirs - 1) * lag + shift;
  for (let t0 = 1; t0 <= last; t0 += WAVE_BLOCK) {
    if (splat && t0 <= m) splatRows24(t0, min(t0 + WAVE_BLOCK, m + 1), start, pix, sw, q, splatRing, mask);
    for (let s = 0; s < dirs; s++) {
      let a = t0 - s * lag - shift;
      let b = a + WAVE_BLOCK;
      if (b <= 1) break;
      if (a > m) continue;
      if (a < 1) a = 1;
      if (b > m + 1) b = m + 1;
      const e = nb + <usize>s * dirBytes + (<usize>(a - 1) << 3);
      const inBase = s > 0 ? ring + <usize>(s - 1) * ringBytes : splat ? splatRing : src;
      const inMask = s > 0 || splat ? mask : -1;
      const inZero = s > 0 || splat ? zero : src;
      if (s == dirs - 1) blurRows(a, b, e, inBase, inMask, inZero, dst, -1, row);
      else blurRows(a, b, e, inBase, inMask, inZero, ring + <usize>s * ringBytes, mask, row);
    }
  }
}

/** acc + Σ_v w[i, v] · vals[off[i, v] row, byte `l` of the row] over one pixel's d1 vertices. */
// @ts-ignore: decorator
@inline
function slice4(acc: v128, l: usize, crow: usize, i: i32, d1: i32, off: usize, w: usize, vals: usize): v128 {
  const ib = <usize>(i * d1) << 2;
  for (let r = 0; r < d1; r++) {
    const idx = ib + (<usize>r << 2);
    const src = vals + <usize>load<i32>(off + idx) * crow + l;
    acc = f32x4.add(acc, f32x4.mul(f32x4.splat(load<f32>(w + idx)), v128.load(src)));
  }
  return acc;
}

/**
 * crfSliceSoftmax for 24-lane rows (21 classes, no chunks): the sums stay in registers through
 * the softmax (no store / reload of the logits), the same operations in the same order as the
 * generic path and softmaxRow, so Q is bit-identical; fewer instructions per pixel lets more
 * pixels' vertex-row misses overlap.
 */
// @ts-ignore: decorator
@inline
function update24(
  i0: i32,
  i1: i32,
  unary: usize,
  q: usize,
  d1a: i32,
  offA: usize,
  wA: usize,
  valsA: usize,
  d1b: i32,
  offB: usize,
  wB: usize,
  valsB: usize,
  last: v128,
): void {
  const zero = f32x4.splat(0);
  for (let i = i0; i < i1; i++) {
    const qi = q + <usize>i * 96;
    const ui = unary + <usize>i * 96;
    let s0 = f32x4.sub(zero, v128.load(ui));
    let s1 = f32x4.sub(zero, v128.load(ui, 16));
    let s2 = f32x4.sub(zero, v128.load(ui, 32));
    let s3 = f32x4.sub(zero, v128.load(ui, 48));
    let s4 = f32x4.sub(zero, v128.load(ui, 64));
    let s5 = f32x4.sub(zero, v128.load(ui, 80));
    if (d1a == 3 && d1b == 6) {
      const oa = offA + (<usize>(i * 3) << 2);
      const wa = wA + (<usize>(i * 3) << 2);
      const ob = offB + (<usize>(i * 6) << 2);
      const wb = wB + (<usize>(i * 6) << 2);
      {
        const src = valsA + <usize>load<i32>(oa, 0) * 96;
        const wv = f32x4.splat(load<f32>(wa, 0));
        s0 = f32x4.add(s0, f32x4.mul(wv, v128.load(src)));
        s1 = f32x4.add(s1, f32x4.mul(wv, v128.load(src, 16)));
        s2 = f32x4.add(s2, f32x4.mul(wv, v128.load(src, 32)));
        s3 = f32x4.add(s3, f32x4.mul(wv, v128.load(src, 48)));
        s4 = f32x4.add(s4, f32x4.mul(wv, v128.load(src, 64)));
        s5 = f32x4.add(s5, f32x4.mul(wv, v128.load(src, 80)));
      }
      {
        const src = valsA + <usize>load<i32>(oa, 4) * 96;
        const wv = f32x4.splat(load<f32>(wa, 4));
        s0 = f32x4.add(s0, f32x4.mul(wv, v128.load(src)));
        s1 = f32x4.add(s1, f32x4.mul(wv, v128.load(src, 16)));
        s2 = f32x4.add(s2, f32x4.mul(wv, v128.load(src, 32)));
        s3 = f32x4.add(s3, f32x4.mul(wv, v128.load(src, 48)));
        s4 = f32x4.add(s4, f32x4.mul(wv, v128.load(src, 64)));
        s5 = f32x4.add(s5, f32x4.mul(wv, v128.load(src, 80)));
      }
      {
        const src = valsA + <usize>load<i32>(oa, 8) * 96;
        const wv = f32x4.splat(load<f32>(wa, 8));
        s0 = f32x4.add(s0, f32x4.mul(wv, v128.load(src)));
        s1 = f32x4.add(s1, f32x4.mul(wv, v128.load(src, 16)));
        s2 = f32x4.add(s2, f32x4.mul(wv, v128.load(src, 32)));
        s3 = f32x4.add(s3, f32x4.mul(wv, v128.load(src, 48)));
        s4 = f32x4.add(s4, f32x4.mul(wv, v128.load(src, 64)));
        s5 = f32x4.add(s5, f32x4.mul(wv, v128.load(src, 80)));
      }
      {
        const src = valsB + <usize>load<i32>(ob, 0) * 96;
        const wv = f32x4.splat(load<f32>(wb, 0));
        s0 = f32x4.add(s0, f32x4.mul(wv, v128.load(src)));
        s1 = f32x4.add(s1, f32x4.mul(wv, v128.load(src, 16)));
        s2 = f32x4.add(s2, f32x4.mul(wv, v128.load(src, 32)));
        s3 = f32x4.add(s3, f32x4.mul(wv, v128.load(src, 48)));
        s4 = f32x4.add(s4, f32x4.mul(wv, v128.load(src, 64)));
        s5 = f32x4.add(s5, f32x4.mul(wv, v128.load(src, 80)));
      }
      {
        const src = valsB + <usize>load<i32>(ob, 4) * 96;
        const wv = f32x4.splat(load<f32>(wb, 4));
        s0 = f32x4.add(s0, f32x4.mul(wv, v128.load(src)));
        s1 = f32x4.add(s1, f32x4.mul(wv, v128.load(src, 16)));
        s2 = f32x4.add(s2, f32x4.mul(wv, v128.load(src, 32)));
        s3 = f32x4.add(s3, f32x4.mul(wv, v128.load(src, 48)));
        s4 = f32x4.add(s4, f32x4.mul(wv, v128.load(src, 64)));
        s5 = f32x4.add(s5, f32x4.mul(wv, v128.load(src, 80)));
      }
      {
        const src = valsB + <usize>load<i32>(ob, 8) * 96;
        const wv = f32x4.splat(load<f32>(wb, 8));
        s0 = f32x4.add(s0, f32x4.mul(wv, v128.load(src)));
        s1 = f32x4.add(s1, f32x4.mul(wv, v128.load(src, 16)));
        s2 = f32x4.add(s2, f32x4.mul(wv, v128.load(src, 32)));
        s3 = f32x4.add(s3, f32x4.mul(wv, v128.load(src, 48)));
        s4 = f32x4.add(s4, f32x4.mul(wv, v128.load(src, 64)));
        s5 = f32x4.add(s5, f32x4.mul(wv, v128.load(src, 80)));
      }
      {
        const src = valsB + <usize>load<i32>(ob, 12) * 96;
        const wv = f32x4.splat(load<f32>(wb, 12));
        s0 = f32x4.add(s0, f32x4.mul(wv, v128.load(src)));
        s1 = f32x4.add(s1, f32x4.mul(wv, v128.load(src, 16)));
        s2 = f32x4.add(s2, f32x4.mul(wv, v128.load(src, 32)));
        s3 = f32x4.add(s3, f32x4.mul(wv, v128.load(src, 48)));
        s4 = f32x4.add(s4, f32x4.mul(wv, v128.load(src, 64)));
        s5 = f32x4.add(s5, f32x4.mul(wv, v128.load(src, 80)));
      }
      {
        const src = valsB + <usize>load<i32>(ob, 16) * 96;
        const wv = f32x4.splat(load<f32>(wb, 16));
        s0 = f32x4.add(s0, f32x4.mul(wv, v128.load(src)));
        s1 = f32x4.add(s1, f32x4.mul(wv, v128.load(src, 16)));
        s2 = f32x4.add(s2, f32x4.mul(wv, v128.load(src, 32)));
        s3 = f32x4.add(s3, f32x4.mul(wv, v128.load(src, 48)));
        s4 = f32x4.add(s4, f32x4.mul(wv, v128.load(src, 64)));
        s5 = f32x4.add(s5, f32x4.mul(wv, v128.load(src, 80)));
      }
      {
        const src = valsB + <usize>load<i32>(ob, 20) * 96;
        const wv = f32x4.splat(load<f32>(wb, 20));
        s0 = f32x4.add(s0, f32x4.mul(wv, v128.load(src)));
        s1 = f32x4.add(s1, f32x4.mul(wv, v128.load(src, 16)));
        s2 = f32x4.add(s2, f32x4.mul(wv, v128.load(src, 32)));
        s3 = f32x4.add(s3, f32x4.mul(wv, v128.load(src, 48)));
        s4 = f32x4.add(s4, f32x4.mul(wv, v128.load(src, 64)));
        s5 = f32x4.add(s5, f32x4.mul(wv, v128.load(src, 80)));
      }
    } else {
      const ia = <usize>(i * d1a) << 2;
      for (let r = 0; r < d1a; r++) {
        const idx = ia + (<usize>r << 2);
        const src = valsA + <usize>load<i32>(offA + idx) * 96;
        const wv = f32x4.splat(load<f32>(wA + idx));
        s0 = f32x4.add(s0, f32x4.mul(wv, v128.load(src)));
        s1 = f32x4.add(s1, f32x4.mul(wv, v128.load(src, 16)));
        s2 = f32x4.add(s2, f32x4.mul(wv, v128.load(src, 32)));
        s3 = f32x4.add(s3, f32x4.mul(wv, v128.load(src, 48)));
        s4 = f32x4.add(s4, f32x4.mul(wv, v128.load(src, 64)));
        s5 = f32x4.add(s5, f32x4.mul(wv, v128.load(src, 80)));
      }
      const ib = <usize>(i * d1b) << 2;
      for (let r = 0; r < d1b; r++) {
        const idx = ib + (<usize>r << 2);
        const src = valsB + <usize>load<i32>(offB + idx) * 96;
        const wv = f32x4.splat(load<f32>(wB + idx));
        s0 = f32x4.add(s0, f32x4.mul(wv, v128.load(src)));
        s1 = f32x4.add(s1, f32x4.mul(wv, v128.load(src, 16)));
        s2 = f32x4.add(s2, f32x4.mul(wv, v128.load(src, 32)));
        s3 = f32x4.add(s3, f32x4.mul(wv, v128.load(src, 48)));
        s4 = f32x4.add(s4, f32x4.mul(wv, v128.load(src, 64)));
        s5 = f32x4.add(s5, f32x4.mul(wv, v128.load(src, 80)));
      }
    }
    // softmaxRow on the registers: max (padding lanes masked), exp, lane-order sum, scale.
    let mx = v128.bitselect(s5, f32x4.splat(-Infinity), last);
    mx = f32x4.pmax(mx, s0);
    mx = f32x4.pmax(mx, s1);
    mx = f32x4.pmax(mx, s2);
    mx = f32x4.pmax(mx, s3);
    mx = f32x4.pmax(mx, s4);
    mx = f32x4.pmax(mx, v128.shuffle<f32>(mx, mx, 2, 3, 0, 1));
    const mv = f32x4.pmax(mx, v128.shuffle<f32>(mx, mx, 1, 0, 3, 2));
    const e0 = expf4c(f32x4.sub(s0, mv));
    const e1 = expf4c(f32x4.sub(s1, mv));
    const e2 = expf4c(f32x4.sub(s2, mv));
    const e3 = expf4c(f32x4.sub(s3, mv));
    const e4 = expf4c(f32x4.sub(s4, mv));
    const e5 = v128.and(expf4c(f32x4.sub(s5, mv)), last);
    const sum = f32x4.add(
      f32x4.add(f32x4.add(f32x4.add(f32x4.add(f32x4.add(zero, e0), e1), e2), e3), e4),
      e5,
    );
    const sc =
      f32x4.extract_lane(sum, 0) + f32x4.extract_lane(sum, 1) + f32x4.extract_lane(sum, 2) + f32x4.extract_lane(sum, 3);
    const inv = f32x4.splat(<f32>1 / sc);
    v128.store(qi, f32x4.mul(e0, inv));
    v128.store(qi, f32x4.mul(e1, inv), 16);
    v128.store(qi, f32x4.mul(e2, inv), 32);
    v128.store(qi, f32x4.mul(e3, inv), 48);
    v128.store(qi, f32x4.mul(e4, inv), 64);
    v128.store(qi, f32x4.mul(e5, inv), 80);
  }
}

/**
 * The mean-field update, fused: q[i] = softmax(−unary[i] + Σ_k slice_k(i)) for up to two kernels
 * (d1 = 0: absent), whose slice weights `w` already include weight · alpha · n_k(i). Q is
 * overwritten in place (the splats that read it are done by then). Blocks of 24 (then 12, 4)
 * classes are accumulated in registers over both kernels' vertices (the vertex ids and weights
 * are re-read per block from L1) and stored once; the same order per lane as one sum. Pixels i
 * in [i0, i1): threads take disjoint ranges.
 */
export function crfSliceSoftmax(
  i0: i32,
  i1: i32,
  c: i32,
  cp: i32,
  cw: i32,
  chunkA: usize,
  chunkB: usize,
  unary: usize,
  q: usize,
  d1a: i32,
  offA: usize,
  wA: usize,
  valsA: usize,
  d1b: i32,
  offB: usize,
  wB: usize,
  valsB: usize,
): void {
  const row = <usize>cp << 2;
  const crow = <usize>cw << 2;
  const chunks = cp / cw;
  const zero = f32x4.splat(0);
  const last = i32x4.lt_s(i32x4.add(i32x4(0, 1, 2, 3), i32x4.splat(cp - 4)), i32x4.splat(c));
  if (row == 96 && chunks == 1) {
    update24(i0, i1, unary, q, d1a, offA, wA, valsA, d1b, offB, wB, valsB, last);
    return;
  }
  for (let i = i0; i < i1; i++) {
    const qi = q + <usize>i * row;
    const ui = unary + <usize>i * row;
    const ia = <usize>(i * d1a) << 2;
    const ib = <usize>(i * d1b) << 2;
    for (let ch = 0; ch < chunks; ch++) {
      // Byte l of chunk ch is byte ch · crow + l of the padded row.
      const va = valsA + <usize>ch * chunkA;
      const vb = valsB + <usize>ch * chunkB;
      const qc = qi + <usize>ch * crow;
      const uc = ui + <usize>ch * crow;
      let l: usize = 0;
      for (; l + 96 <= crow; l += 96) {
        let s0 = f32x4.sub(zero, v128.load(uc + l));
        let s1 = f32x4.sub(zero, v128.load(uc + l, 16));
        let s2 = f32x4.sub(zero, v128.load(uc + l, 32));
        let s3 = f32x4.sub(zero, v128.load(uc + l, 48));
        let s4 = f32x4.sub(zero, v128.load(uc + l, 64));
        let s5 = f32x4.sub(zero, v128.load(uc + l, 80));
        for (let r = 0; r < d1a; r++) {
          const idx = ia + (<usize>r << 2);
          const src = va + <usize>load<i32>(offA + idx) * crow + l;
          const wv = f32x4.splat(load<f32>(wA + idx));
          s0 = f32x4.add(s0, f32x4.mul(wv, v128.load(src)));
          s1 = f32x4.add(s1, f32x4.mul(wv, v128.load(src, 16)));
          s2 = f32x4.add(s2, f32x4.mul(wv, v128.load(src, 32)));
          s3 = f32x4.add(s3, f32x4.mul(wv, v128.load(src, 48)));
          s4 = f32x4.add(s4, f32x4.mul(wv, v128.load(src, 64)));
          s5 = f32x4.add(s5, f32x4.mul(wv, v128.load(src, 80)));
        }
        for (let r = 0; r < d1b; r++) {
          const idx = ib + (<usize>r << 2);
          const src = vb + <usize>load<i32>(offB + idx) * crow + l;
          const wv = f32x4.splat(load<f32>(wB + idx));
          s0 = f32x4.add(s0, f32x4.mul(wv, v128.load(src)));
          s1 = f32x4.add(s1, f32x4.mul(wv, v128.load(src, 16)));
          s2 = f32x4.add(s2, f32x4.mul(wv, v128.load(src, 32)));
          s3 = f32x4.add(s3, f32x4.mul(wv, v128.load(src, 48)));
          s4 = f32x4.add(s4, f32x4.mul(wv, v128.load(src, 64)));
          s5 = f32x4.add(s5, f32x4.mul(wv, v128.load(src, 80)));
        }
        v128.store(qc + l, s0);
        v128.store(qc + l, s1, 16);
        v128.store(qc + l, s2, 32);
        v128.store(qc + l, s3, 48);
        v128.store(qc + l, s4, 64);
        v128.store(qc + l, s5, 80);
      }
      for (; l + 48 <= crow; l += 48) {
        let s0 = f32x4.sub(zero, v128.load(uc + l));
        let s1 = f32x4.sub(zero, v128.load(uc + l, 16));
        let s2 = f32x4.sub(zero, v128.load(uc + l, 32));
        for (let r = 0; r < d1a; r++) {
          const idx = ia + (<usize>r << 2);
          const src = va + <usize>load<i32>(offA + idx) * crow + l;
          const wv = f32x4.splat(load<f32>(wA + idx));
          s0 = f32x4.add(s0, f32x4.mul(wv, v128.load(src)));
          s1 = f32x4.add(s1, f32x4.mul(wv, v128.load(src, 16)));
          s2 = f32x4.add(s2, f32x4.mul(wv, v128.load(src, 32)));
        }
        for (let r = 0; r < d1b; r++) {
          const idx = ib + (<usize>r << 2);
          const src = vb + <usize>load<i32>(offB + idx) * crow + l;
          const wv = f32x4.splat(load<f32>(wB + idx));
          s0 = f32x4.add(s0, f32x4.mul(wv, v128.load(src)));
          s1 = f32x4.add(s1, f32x4.mul(wv, v128.load(src, 16)));
          s2 = f32x4.add(s2, f32x4.mul(wv, v128.load(src, 32)));
        }
        v128.store(qc + l, s0);
        v128.store(qc + l, s1, 16);
        v128.store(qc + l, s2, 32);
      }
      for (; l < crow; l += 16) {
        let acc = f32x4.sub(zero, v128.load(uc + l));
        acc = slice4(acc, l, crow, i, d1a, offA, wA, va);
        acc = slice4(acc, l, crow, i, d1b, offB, wB, vb);
        v128.store(qc + l, acc);
      }
    }
    softmaxRow(qi, cp, last);
  }
}

/**
 * Natural log on 4 lanes of positive normal floats (Cephes logf: x = m · 2^e, m in [√½, √2),
 * a degree-9 polynomial in m − 1), within ~1 ulp of the correctly rounded value.
 */
// @ts-ignore: decorator
@inline
function logf4(x: v128): v128 {
  let e = i32x4.sub(i32x4.shr_u(x, 23), i32x4.splat(126));
  const m = v128.or(v128.and(x, i32x4.splat(0x807fffff)), i32x4.splat(0x3f000000));
  // m < √½: use 2m (e − 1), as Cephes does, so the polynomial sees |m − 1| < 0.42.
  const small = f32x4.lt(m, f32x4.splat(0.707106781186547524));
  e = i32x4.add(e, small);
  const r = f32x4.sub(f32x4.add(m, v128.and(m, small)), f32x4.splat(1.0));
  const fe = f32x4.convert_i32x4_s(e);
  const z = f32x4.mul(r, r);
  let y = f32x4.splat(7.0376836292e-2);
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(-1.151461031e-1));
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(1.167699874e-1));
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(-1.2420140846e-1));
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(1.4249322787e-1));
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(-1.6668057665e-1));
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(2.0000714765e-1));
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(-2.4999993993e-1));
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(3.3333331174e-1));
  y = f32x4.mul(f32x4.mul(y, r), z);
  y = f32x4.add(y, f32x4.mul(fe, f32x4.splat(-2.12194440e-4)));
  y = f32x4.sub(y, f32x4.mul(z, f32x4.splat(0.5)));
  return f32x4.add(f32x4.add(r, y), f32x4.mul(fe, f32x4.splat(0.693359375)));
}

/** The 4 lanes of `v` to float `l` of 4 consecutive rows `row` bytes apart from `u`. */
// @ts-ignore: decorator
@inline
function storeColumn(u: usize, row: usize, l: i32, v: v128): void {
  const at = u + (<usize>l << 2);
  store<f32>(at, f32x4.extract_lane(v, 0));
  store<f32>(at + row, f32x4.extract_lane(v, 1));
  store<f32>(at + 2 * row, f32x4.extract_lane(v, 2));
  store<f32>(at + 3 * row, f32x4.extract_lane(v, 3));
}

/**
 * ψ_u into the padded pixel-major unary buffer from planar (C, n) f32 scores, with the formulas
 * of src/post/crf/inputs.ts: −log(clip(p, 1e-5, 1)) for probabilities, or logsumexp(x) − x for
 * logits. Padding lanes get 0. Four pixels at a time in f32 SIMD (the planes hold 4 consecutive
 * pixels per load; logf4 / expf4c, so within a few ulp of inputs.ts's f64); the last n % 4
 * pixels in f64.
 */
export function crfUnary(n: i32, c: i32, cp: i32, scores: usize, logits: bool, unary: usize): void {
  const plane = <usize>n << 2;
  const row = <usize>cp << 2;
  const n4 = n & ~3;
  for (let i = 0; i < n4; i += 4) {
    const u = unary + <usize>i * row;
    const s = scores + (<usize>i << 2);
    if (logits) {
      let mx = v128.load(s);
      for (let l = 1; l < c; l++) mx = f32x4.pmax(mx, v128.load(s + <usize>l * plane));
      let sum = f32x4.splat(0);
      for (let l = 0; l < c; l++) sum = f32x4.add(sum, expf4c(f32x4.sub(v128.load(s + <usize>l * plane), mx)));
      const lse = f32x4.add(mx, logf4(sum));
      for (let l = 0; l < c; l++) storeColumn(u, row, l, f32x4.sub(lse, v128.load(s + <usize>l * plane)));
    } else {
      const lo = f32x4.splat(1e-5);
      const hi = f32x4.splat(1);
      for (let l = 0; l < c; l++) {
        const p = f32x4.pmin(f32x4.pmax(v128.load(s + <usize>l * plane), lo), hi);
        storeColumn(u, row, l, f32x4.neg(logf4(p)));
      }
    }
    for (let l = c; l < cp; l++) storeColumn(u, row, l, f32x4.splat(0));
  }
  for (let i = n4; i < n; i++) {
    const u = unary + ((<usize>i * <usize>cp) << 2);
    const s = scores + (<usize>i << 2);
    if (logits) {
      let mx = -Infinity;
      for (let l = 0; l < c; l++) mx = Math.max(mx, <f64>load<f32>(s + <usize>l * plane));
      let sum: f64 = 0;
      for (let l = 0; l < c; l++) sum += Math.exp(<f64>load<f32>(s + <usize>l * plane) - mx);
      const lse = mx + Math.log(sum);
      for (let l = 0; l < c; l++) store<f32>(u + (<usize>l << 2), <f32>(lse - <f64>load<f32>(s + <usize>l * plane)));
    } else {
      for (let l = 0; l < c; l++) {
        const p = Math.min(1.0, Math.max(1e-5, <f64>load<f32>(s + <usize>l * plane)));
        store<f32>(u + (<usize>l << 2), <f32>-Math.log(p));
      }
    }
    for (let l = c; l < cp; l++) store<f32>(u + (<usize>l << 2), 0);
  }
}

/**
 * A fast scan of float32 (C, N) scores before crfUnary: true when every logit is finite, or every
 * probability is >= 0 (NaN fails) and each pixel's sum is within `tol` of 1, with the f32 sum's
 * own error (`margin`) on the safe side. False means "look closer": the caller runs its exact
 * check (inputs.ts checkCrfValues, f64 sums), which names the value or passes a borderline sum.
 */
export function crfScoresClear(n: i32, c: i32, scores: usize, logits: bool, tol: f32, margin: f32): bool {
  const plane = <usize>n << 2;
  const n4 = n & ~3;
  let ok = i32x4.splat(-1);
  if (logits) {
    // v − v is 0 for finite v, NaN for ±Inf and NaN.
    const zero = f32x4.splat(0);
    for (let i = 0; i < n4; i += 4) {
      const s = scores + (<usize>i << 2);
      for (let l = 0; l < c; l++) {
        const v = v128.load(s + <usize>l * plane);
        ok = v128.and(ok, f32x4.eq(f32x4.sub(v, v), zero));
      }
    }
  } else {
    const zero = f32x4.splat(0);
    const one = f32x4.splat(1);
    const bound = f32x4.splat(tol - margin);
    for (let i = 0; i < n4; i += 4) {
      const s = scores + (<usize>i << 2);
      let sum = f32x4.splat(0);
      for (let l = 0; l < c; l++) {
        const p = v128.load(s + <usize>l * plane);
        ok = v128.and(ok, f32x4.ge(p, zero));
        sum = f32x4.add(sum, p);
      }
      ok = v128.and(ok, f32x4.le(f32x4.abs(f32x4.sub(sum, one)), bound));
    }
  }
  if (!i32x4.all_true(ok)) return false;
  for (let i = n4; i < n; i++) {
    let sum: f32 = 0;
    for (let l = 0; l < c; l++) {
      const v = load<f32>(scores + (<usize>i << 2) + <usize>l * plane);
      if (logits ? !isFinite(v) : !(v >= 0)) return false;
      sum += v;
    }
    if (!logits && !(Mathf.abs(sum - 1) <= tol - margin)) return false;
  }
  return true;
}

/**
 * Q from pixel-major rows of `cp` floats to `c` planes of n floats at `out` (the (C, H, W)
 * layout): 4 pixels x 4 classes at a time, transposed in registers; planes ≥ c are not written.
 */
export function crfToPlanes(n: i32, c: i32, cp: i32, q: usize, out: usize): void {
  const row = <usize>cp << 2;
  const plane = <usize>n << 2;
  const n4 = n & ~3;
  for (let i = 0; i < n4; i += 4) {
    const src = q + <usize>i * row;
    const dst = out + (<usize>i << 2);
    for (let l = 0; l < c; l += 4) {
      const lb = <usize>l << 2;
      const r0 = v128.load(src + lb);
      const r1 = v128.load(src + row + lb);
      const r2 = v128.load(src + 2 * row + lb);
      const r3 = v128.load(src + 3 * row + lb);
      // (a0 b0 a1 b1), (c0 d0 c1 d1), (a2 b2 a3 b3), (c2 d2 c3 d3) → one class of 4 pixels each.
      const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5);
      const t1 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
      const t2 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
      const t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
      const p = dst + <usize>l * plane;
      v128.store(p, v128.shuffle<f32>(t0, t1, 0, 1, 4, 5));
      if (l + 1 < c) v128.store(p + plane, v128.shuffle<f32>(t0, t1, 2, 3, 6, 7));
      if (l + 2 < c) v128.store(p + 2 * plane, v128.shuffle<f32>(t2, t3, 0, 1, 4, 5));
      if (l + 3 < c) v128.store(p + 3 * plane, v128.shuffle<f32>(t2, t3, 2, 3, 6, 7));
    }
  }
  for (let i = n4; i < n; i++) {
    for (let l = 0; l < c; l++) {
      store<f32>(out + <usize>l * plane + (<usize>i << 2), load<f32>(q + <usize>i * row + (<usize>l << 2)));
    }
  }
}
