// Row reductions: y[r] = mean (mode 0) or max (mode 1) of the `len` contiguous floats of row r.
// The host moves the reduced axes innermost first (copyStrided) when they are not already.
export function reduceRows(x: usize, y: usize, rows: i32, len: i32, mode: i32): void {
  for (let r = 0; r < rows; r++) {
    const p = x + (<usize>r * <usize>len << 2);
    let acc = f32x4.splat(mode == 1 ? -Infinity : 0);
    let i = 0;
    for (; i + 4 <= len; i += 4) {
      const v = v128.load(p + (<usize>i << 2));
      acc = mode == 1 ? f32x4.max(acc, v) : f32x4.add(acc, v);
    }
    let s: f32;
    if (mode == 1) {
      s = max(max(f32x4.extract_lane(acc, 0), f32x4.extract_lane(acc, 1)), max(f32x4.extract_lane(acc, 2), f32x4.extract_lane(acc, 3)));
      for (; i < len; i++) s = max(s, load<f32>(p + (<usize>i << 2)));
    } else {
      s = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3);
      for (; i < len; i++) s += load<f32>(p + (<usize>i << 2));
      s /= <f32>len;
    }
    store<f32>(y + (<usize>r << 2), s);
  }
}
