// Fills n floats with a value (constant-mode Pad writes the border, then copies the interior).
export function fill(dst: usize, n: i32, value: f32): void {
  const v = f32x4.splat(value);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(dst + (<usize>i << 2), v);
  for (; i < n; i++) store<f32>(dst + (<usize>i << 2), value);
}

/**
 * dst[i0,i1,i2,i3] = src[t0[i0] + t1[i1] + t2[i2] + t3[i3]] (element offsets from i32 tables):
 * edge and reflect Pad, where each output index maps to a clamped or mirrored input index.
 */
export function gatherAxes(
  src: usize, dst: usize, d0: i32, d1: i32, d2: i32, d3: i32,
  t0: usize, t1: usize, t2: usize, t3: usize,
): void {
  let out = dst;
  for (let i0 = 0; i0 < d0; i0++) {
    const o0 = load<i32>(t0 + (<usize>i0 << 2));
    for (let i1 = 0; i1 < d1; i1++) {
      const o1 = o0 + load<i32>(t1 + (<usize>i1 << 2));
      for (let i2 = 0; i2 < d2; i2++) {
        const o2 = o1 + load<i32>(t2 + (<usize>i2 << 2));
        for (let i3 = 0; i3 < d3; i3++) {
          store<f32>(out, load<f32>(src + (<usize>(o2 + load<i32>(t3 + (<usize>i3 << 2))) << 2)));
          out += 4;
        }
      }
    }
  }
}
