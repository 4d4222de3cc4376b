// Softmax along one axis seen as [outer, len, inner] (element strides inner, 1), f32.
export function softmaxAxis(x: usize, y: usize, outer: i32, len: i32, inner: i32): void {
  const step = <usize>inner << 2;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = (<usize>(o * len) * <usize>inner + <usize>i) << 2;
      let m: f32 = -Infinity;
      for (let k = 0; k < len; k++) m = max(m, load<f32>(x + base + <usize>k * step));
      let s: f32 = 0;
      for (let k = 0; k < len; k++) {
        const e = Mathf.exp(load<f32>(x + base + <usize>k * step) - m);
        store<f32>(y + base + <usize>k * step, e);
        s += e;
      }
      const inv = <f32>1 / s;
      for (let k = 0; k < len; k++) store<f32>(y + base + <usize>k * step, load<f32>(y + base + <usize>k * step) * inv);
    }
  }
}
