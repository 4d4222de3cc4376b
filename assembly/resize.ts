// Resize of the two spatial axes of f32 images from host-built tap tables (one per output row /
// column: i32 i0, i32 i1, f32 weight of i1). Bilinear and nearest (i1 = i0, weight 0) share the
// kernels; every coordinate mode is decided on the host when the tables are built. Both layouts
// are separable: each input row an output row needs is interpolated along W once into a two-row
// cache `tmp` (reused while consecutive output rows read the same pair), then the output row is
// one vector lerp of the two cached rows — 2 loads and a lerp per 4 outputs.

/** NHWC images: a cached row is OW·C floats, interpolated with vectors over channels. */
export function resizeNhwc(
  x: usize, y: usize, rowTab: usize, colTab: usize, tmp: usize,
  N: i32, H: i32, W: i32, C: i32, OH: i32, OW: i32,
): void {
  const inRow = <usize>W * (<usize>C << 2);
  const len = OW * C;
  for (let n = 0; n < N; n++) {
    const img = x + <usize>(n * H) * inRow;
    const out = y + <usize>(n * OH) * (<usize>len << 2);
    resizeImage(img, inRow, out, len, rowTab, colTab, tmp, OH, OW, C);
  }
}

/**
 * One image's OH output rows of `len` floats through the two-row cache; `C` = 0: row-major
 * (a row is OW floats, lerpRow), else NHWC pixels of C channels (lerpPixels).
 */
function resizeImage(
  img: usize, inRow: usize, out: usize, len: i32, rowTab: usize, colTab: usize, tmp: usize,
  OH: i32, OW: i32, C: i32,
): void {
  const outRow = <usize>len << 2;
  // Cached rows r0 / r1 hold input rows have0 / have1 (-1: none yet).
  let r0 = tmp;
  let r1 = tmp + rowStride(len);
  let have0 = -1;
  let have1 = -1;
  for (let oh = 0; oh < OH; oh++) {
    const rt = rowTab + <usize>oh * 12;
    const i0 = load<i32>(rt);
    const i1 = load<i32>(rt + 4);
    if (have0 != i0) {
      if (have1 == i0) {
        const r = r0;
        r0 = r1;
        r1 = r;
        have1 = have0;
      } else {
        lerpAlongW(img + <usize>i0 * inRow, r0, colTab, OW, C);
      }
      have0 = i0;
    }
    if (i1 != i0 && have1 != i1) {
      lerpAlongW(img + <usize>i1 * inRow, r1, colTab, OW, C);
      have1 = i1;
    }
    lerpRows(r0, i1 == i0 ? r0 : r1, out + <usize>oh * outRow, len, load<f32>(rt + 8));
  }
}

/** One input row interpolated along W: row-major (`C` = 0) or NHWC pixels. */
// @ts-ignore: decorator
@inline
function lerpAlongW(row: usize, dst: usize, colTab: usize, OW: i32, C: i32): void {
  if (C == 0) lerpRow(row, dst, colTab, OW);
  else lerpPixels(row, dst, colTab, OW, C);
}

/** Bytes between the two cached rows of `len` floats: room for a vector's overrun, aligned. */
// @ts-ignore: decorator
@inline
function rowStride(len: i32): usize {
  return ((<usize>len << 2) + 31) & ~15;
}

/** One NHWC input row interpolated along W (vectors over channels; may write 12 bytes past). */
function lerpPixels(row: usize, dst: usize, colTab: usize, OW: i32, C: i32): void {
  const pixel = <usize>C << 2;
  for (let ow = 0; ow < OW; ow++) {
    const ct = colTab + <usize>ow * 12;
    const p0 = row + <usize>load<i32>(ct) * pixel;
    const p1 = row + <usize>load<i32>(ct + 4) * pixel;
    const wx = f32x4.splat(load<f32>(ct + 8));
    const q = dst + <usize>ow * pixel;
    for (let c = 0; c < C; c += 4) {
      const off = <usize>c << 2;
      const a = v128.load(p0 + off);
      v128.store(q + off, f32x4.add(a, f32x4.mul(wx, f32x4.sub(v128.load(p1 + off), a))));
    }
  }
}

/** dst = a + wy·(b − a) over `len` floats (exactly: a scalar tail, no overrun). */
function lerpRows(a: usize, b: usize, dst: usize, len: i32, wy: f32): void {
  const vy = f32x4.splat(wy);
  let i = 0;
  for (; i + 4 <= len; i += 4) {
    const off = <usize>i << 2;
    const va = v128.load(a + off);
    v128.store(dst + off, f32x4.add(va, f32x4.mul(vy, f32x4.sub(v128.load(b + off), va))));
  }
  for (; i < len; i++) {
    const off = <usize>i << 2;
    const va = load<f32>(a + off);
    store<f32>(dst + off, va + wy * (load<f32>(b + off) - va));
  }
}

/** Row-major (N·C, H, W) planes: a cached row is OW floats (scalar along W, vector lerp of rows). */
export function resizeNchw(
  x: usize, y: usize, rowTab: usize, colTab: usize, tmp: usize,
  P: i32, H: i32, W: i32, OH: i32, OW: i32,
): void {
  const inRow = <usize>W << 2;
  for (let p = 0; p < P; p++) {
    const plane = x + <usize>p * <usize>H * inRow;
    const out = y + <usize>p * <usize>OH * (<usize>OW << 2);
    resizeImage(plane, inRow, out, OW, rowTab, colTab, tmp, OH, OW, 0);
  }
}

/** One row-major input row interpolated along W through the column taps. */
function lerpRow(row: usize, dst: usize, colTab: usize, OW: i32): void {
  for (let ow = 0; ow < OW; ow++) {
    const ct = colTab + <usize>ow * 12;
    const a = load<f32>(row + (<usize>load<i32>(ct) << 2));
    const b = load<f32>(row + (<usize>load<i32>(ct + 4) << 2));
    store<f32>(dst + (<usize>ow << 2), a + load<f32>(ct + 8) * (b - a));
  }
}
