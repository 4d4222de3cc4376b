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

// Activation codes shared with src/engine/backends/wasm/kernels.ts (ACT_CODES):
// 0 none, 1 Relu, 2 Clip [p0, p1], 3 Sigmoid, 4 HardSigmoid [alpha p0, beta p1], 5 HardSwish,
// 6 Tanh, 7 LeakyRelu [alpha p0].

// Cephes expf's polynomial: e^r for r = x − fx·ln2 (ln2 in two parts), |r| <= ln2/2, for a clamped
// x and fx = floor(x·log2(e) + 0.5); the caller scales by 2^fx. Shared with the CRF's expf4c.
// @ts-ignore: decorator
@inline
export function expPoly(x: v128, fx: v128): v128 {
  x = f32x4.sub(x, f32x4.mul(fx, f32x4.splat(0.693359375)));
  x = f32x4.sub(x, f32x4.mul(fx, f32x4.splat(-2.12194440e-4)));
  const z = f32x4.mul(x, x);
  let y = f32x4.splat(1.9875691500e-4);
  y = f32x4.add(f32x4.mul(y, x), f32x4.splat(1.3981999507e-3));
  y = f32x4.add(f32x4.mul(y, x), f32x4.splat(8.3334519073e-3));
  y = f32x4.add(f32x4.mul(y, x), f32x4.splat(4.1665795894e-2));
  y = f32x4.add(f32x4.mul(y, x), f32x4.splat(1.6666665459e-1));
  y = f32x4.add(f32x4.mul(y, x), f32x4.splat(5.0000001201e-1));
  y = f32x4.add(f32x4.add(f32x4.mul(y, z), x), f32x4.splat(1.0));
  return y;
}

// exp on 4 lanes (Cephes expf: 2^n · p(r), |r| <= ln2/2), relative error ~2e-7.
// @ts-ignore: decorator
@inline
export function expf4(x: v128): v128 {
  x = f32x4.min(f32x4.max(x, f32x4.splat(-87.0)), f32x4.splat(88.0));
  const fx = f32x4.floor(f32x4.add(f32x4.mul(x, f32x4.splat(1.44269504088896341)), f32x4.splat(0.5)));
  const y = expPoly(x, fx);
  const pow2 = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(fx), i32x4.splat(127)), 23);
  return f32x4.mul(y, pow2);
}

/** The activation `kind` on 4 lanes (see the codes above). */
// @ts-ignore: decorator
@inline
export function act4(v: v128, kind: i32, p0: f32, p1: f32): v128 {
  if (kind == 0) return v;
  if (kind == 1) return f32x4.max(v, f32x4.splat(0));
  if (kind == 2) return f32x4.min(f32x4.max(v, f32x4.splat(p0)), f32x4.splat(p1));
  const one = f32x4.splat(1);
  if (kind == 3) return f32x4.div(one, f32x4.add(one, expf4(f32x4.neg(v))));
  const zero = f32x4.splat(0);
  if (kind == 4) {
    return f32x4.min(one, f32x4.max(zero, f32x4.add(f32x4.mul(v, f32x4.splat(p0)), f32x4.splat(p1))));
  }
  if (kind == 5) {
    const g = f32x4.add(f32x4.mul(v, f32x4.splat(<f32>1 / 6)), f32x4.splat(0.5));
    return f32x4.mul(v, f32x4.min(one, f32x4.max(zero, g)));
  }
  if (kind == 6) {
    // tanh(|x|) = (1 - e) / (1 + e), e = exp(-2|x|); the sign is copied back.
    const e = expf4(f32x4.mul(f32x4.abs(v), f32x4.splat(-2)));
    const t = f32x4.div(f32x4.sub(one, e), f32x4.add(one, e));
    return v128.bitselect(f32x4.neg(t), t, f32x4.lt(v, zero));
  }
  if (kind == 7) return v128.bitselect(v, f32x4.mul(v, f32x4.splat(p0)), f32x4.ge(v, zero));
  return v;
}

/** Scalar activation (tails): the same lanes-0 result as act4. */
// @ts-ignore: decorator
@inline
export function act1(x: f32, kind: i32, p0: f32, p1: f32): f32 {
  return f32x4.extract_lane(act4(f32x4.splat(x), kind, p0, p1), 0);
}

/** dst[i] = act(src[i]) for n floats (src may equal dst). */
export function unary(src: usize, dst: usize, n: i32, kind: i32, p0: f32, p1: f32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const off = <usize>i << 2;
    v128.store(dst + off, act4(v128.load(src + off), kind, p0, p1));
  }
  for (; i < n; i++) {
    const off = <usize>i << 2;
    store<f32>(dst + off, act1(load<f32>(src + off), kind, p0, p1));
  }
}
