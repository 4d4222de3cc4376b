// Pointwise activations over f32 buffers in linear memory, 4 lanes at a time (WASM SIMD).
// The caller owns the memory layout: `src` and `dst` are byte offsets, `n` the element count.

export function relu(src: usize, dst: usize, n: i32): void {
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const off = <usize>i << 2;
    v128.store(dst + off, f32x4.max(v128.load(src + off), zero));
  }
  for (; i < n; i++) {
    const off = <usize>i << 2;
    store<f32>(dst + off, max(load<f32>(src + off), <f32>0));
  }
}
