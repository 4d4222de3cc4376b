// Strided copy over up to 4 (coalesced) axes: the one data-movement kernel behind Transpose,
// Concat, Split, Slice, Pad, Expand and layout changes (NCHW <-> NHWC). Strides are in elements;
// the innermost axis moves 4 lanes at a time when both sides are contiguous.
export function copyStrided(
  src: usize, dst: usize,
  d0: i32, d1: i32, d2: i32, d3: i32,
  s0: i32, s1: i32, s2: i32, s3: i32,
  t0: i32, t1: i32, t2: i32, t3: i32,
): void {
  if (s2 == 1 && t3 == 1 && s3 != 1 && d2 >= 4 && d3 >= 4) {
    for (let i0 = 0; i0 < d0; i0++) {
      for (let i1 = 0; i1 < d1; i1++) {
        const ps = src + (<usize>(i0 * s0 + i1 * s1) << 2);
        const pd = dst + (<usize>(i0 * t0 + i1 * t1) << 2);
        transpose2d(ps, pd, d2, d3, s3, t2);
      }
    }
    return;
  }
  for (let i0 = 0; i0 < d0; i0++) {
    for (let i1 = 0; i1 < d1; i1++) {
      for (let i2 = 0; i2 < d2; i2++) {
        const ps = src + (<usize>(i0 * s0 + i1 * s1 + i2 * s2) << 2);
        const pd = dst + (<usize>(i0 * t0 + i1 * t1 + i2 * t2) << 2);
        let i = 0;
        if (s3 == 1 && t3 == 1) {
          for (; i + 4 <= d3; i += 4) v128.store(pd + (<usize>i << 2), v128.load(ps + (<usize>i << 2)));
        }
        for (; i < d3; i++) store<f32>(pd + (<usize>(i * t3) << 2), load<f32>(ps + (<usize>(i * s3) << 2)));
      }
    }
  }
}

/**
 * dst[i*dstRow + j] = src[i + j*srcRow] for i < rows, j < cols (e.g. NCHW <-> NHWC planes), in
 * 4×4 register tiles. Blocks of 8 × 16 tiles walk the side with the longer row stride one whole
 * 4-row strip at a time, so its cache lines are written (or read) completely before they can be
 * evicted: with power-of-two strides (a 64×64 plane) every row of that side maps to the same L1
 * set, and the old 32×8 blocks wrote each line in halves, 4× slower on AMD Zen.
 */
function transpose2d(src: usize, dst: usize, rows: i32, cols: i32, srcRow: i32, dstRow: i32): void {
  const sr = <usize>srcRow << 2;
  const dr = <usize>dstRow << 2;
  const r4 = rows & ~3;
  const c4 = cols & ~3;
  if (dstRow >= srcRow) {
    // dst rows (i) are the strided side: each 4-row strip of dst is finished across 16 columns.
    for (let i0 = 0; i0 < r4; i0 += 8) {
      const i1 = min(r4, i0 + 8);
      for (let j0 = 0; j0 < c4; j0 += 16) {
        const j1 = min(c4, j0 + 16);
        for (let i = i0; i < i1; i += 4) for (let j = j0; j < j1; j += 4) tile4(src, dst, i, j, sr, dr);
      }
    }
  } else {
    // src rows (j) are the strided side: each 4-row strip of src is consumed across 16 rows of dst.
    for (let j0 = 0; j0 < c4; j0 += 8) {
      const j1 = min(c4, j0 + 8);
      for (let i0 = 0; i0 < r4; i0 += 16) {
        const i1 = min(r4, i0 + 16);
        for (let j = j0; j < j1; j += 4) for (let i = i0; i < i1; i += 4) tile4(src, dst, i, j, sr, dr);
      }
    }
  }
  edges(src, dst, 0, rows, c4, cols, sr, dr);
  edges(src, dst, r4, rows, 0, c4, sr, dr);
}

/** One 4×4 tile: 4 rows of src (j..j+3) become 4 rows of dst (i..i+3). */
@inline
function tile4(src: usize, dst: usize, i: i32, j: i32, sr: usize, dr: usize): void {
  const p = src + (<usize>i << 2) + <usize>j * sr;
  const r0 = v128.load(p);
  const r1 = v128.load(p + sr);
  const r2 = v128.load(p + 2 * sr);
  const r3 = v128.load(p + 3 * sr);
  const a0 = v128.shuffle<i32>(r0, r1, 0, 4, 1, 5);
  const a1 = v128.shuffle<i32>(r0, r1, 2, 6, 3, 7);
  const a2 = v128.shuffle<i32>(r2, r3, 0, 4, 1, 5);
  const a3 = v128.shuffle<i32>(r2, r3, 2, 6, 3, 7);
  const q = dst + <usize>i * dr + (<usize>j << 2);
  v128.store(q, v128.shuffle<i32>(a0, a2, 0, 1, 4, 5));
  v128.store(q + dr, v128.shuffle<i32>(a0, a2, 2, 3, 6, 7));
  v128.store(q + 2 * dr, v128.shuffle<i32>(a1, a3, 0, 1, 4, 5));
  v128.store(q + 3 * dr, v128.shuffle<i32>(a1, a3, 2, 3, 6, 7));
}

/** Scalar transpose of rows [i0, i1) × cols [j0, j1) (the ragged edges past the 4×4 tiles). */
function edges(src: usize, dst: usize, i0: i32, i1: i32, j0: i32, j1: i32, sr: usize, dr: usize): void {
  for (let a = i0; a < i1; a++) {
    for (let b = j0; b < j1; b++) {
      store<f32>(dst + <usize>a * dr + (<usize>b << 2), load<f32>(src + (<usize>a << 2) + <usize>b * sr));
    }
  }
}
