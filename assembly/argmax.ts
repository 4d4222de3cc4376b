// ArgMax along one axis seen as [outer, len, inner]; writes int64 indices. Ties go to the first
// index, or the last with selectLast (ONNX select_last_index).
export function argmaxAxis(x: usize, y: usize, outer: i32, len: i32, inner: i32, selectLast: i32): void {
  const step = <usize>inner << 2;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = x + ((<usize>(o * len) * <usize>inner + <usize>i) << 2);
      let best = load<f32>(base);
      let at = 0;
      for (let k = 1; k < len; k++) {
        const v = load<f32>(base + <usize>k * step);
        if (v > best || (selectLast != 0 && v == best)) {
          best = v;
          at = k;
        }
      }
      store<i64>(y + ((<usize>(o * inner + i)) << 3), <i64>at);
    }
  }
}
