// Elementwise Add/Sub/Mul/Div/PRelu with broadcasting over up to 4 (coalesced) axes: y is
// contiguous, a and b are read with element strides (0 = broadcast). op: 0 add, 1 sub, 2 mul,
// 3 div, 4 prelu (a = x, b = slope). The innermost axis runs 4 lanes at a time when it is
// contiguous or broadcast in each input.

// @ts-ignore: decorator
@inline
function op4(op: i32, a: v128, b: v128): v128 {
  if (op == 0) return f32x4.add(a, b);
  if (op == 1) return f32x4.sub(a, b);
  if (op == 2) return f32x4.mul(a, b);
  if (op == 3) return f32x4.div(a, b);
  return v128.bitselect(a, f32x4.mul(a, b), f32x4.ge(a, f32x4.splat(0)));
}

// @ts-ignore: decorator
@inline
function op1(op: i32, a: f32, b: f32): f32 {
  if (op == 0) return a + b;
  if (op == 1) return a - b;
  if (op == 2) return a * b;
  if (op == 3) return a / b;
  return a >= 0 ? a : a * b;
}

export function binaryStrided(
  op: i32, a: usize, b: usize, y: usize,
  d0: i32, d1: i32, d2: i32, d3: i32,
  as0: i32, as1: i32, as2: i32, as3: i32,
  bs0: i32, bs1: i32, bs2: i32, bs3: i32,
): void {
  let out = y;
  const vec = (as3 == 0 || as3 == 1) && (bs3 == 0 || bs3 == 1);
  for (let i0 = 0; i0 < d0; i0++) {
    for (let i1 = 0; i1 < d1; i1++) {
      for (let i2 = 0; i2 < d2; i2++) {
        const pa = a + (<usize>(i0 * as0 + i1 * as1 + i2 * as2) << 2);
        const pb = b + (<usize>(i0 * bs0 + i1 * bs1 + i2 * bs2) << 2);
        let i = 0;
        if (vec) {
          const sa = <usize>as3 << 4;
          const sb = <usize>bs3 << 4;
          const va = f32x4.splat(load<f32>(pa));
          const vb = f32x4.splat(load<f32>(pb));
          let qa = pa, qb = pb;
          for (; i + 4 <= d3; i += 4) {
            const x = as3 == 0 ? va : v128.load(qa);
            const z = bs3 == 0 ? vb : v128.load(qb);
            v128.store(out, op4(op, x, z));
            out += 16;
            qa += sa;
            qb += sb;
          }
        }
        for (; i < d3; i++) {
          const x = load<f32>(pa + (<usize>(i * as3) << 2));
          const z = load<f32>(pb + (<usize>(i * bs3) << 2));
          store<f32>(out, op1(op, x, z));
          out += 4;
        }
      }
    }
  }
}
