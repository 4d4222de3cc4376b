// Cast of n int64 values to float32 (e.g. ArgMax labels → float); the layout is kept.
export function castI64F32(src: usize, dst: usize, n: i32): void {
  for (let i = 0; i < n; i++) store<f32>(dst + (<usize>i << 2), <f32>load<i64>(src + (<usize>i << 3)));
}
