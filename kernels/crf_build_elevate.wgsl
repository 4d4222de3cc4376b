// Dense-CRF lattice build on the GPU, step 1 (src/post/crf/webgpu-build.ts): per pixel, elevate
// its d features onto the permutohedral lattice, find the enclosing simplex (remainder-0 point +
// rank) and write its d + 1 barycentric weights and vertex keys (d i32 each) at e = pixel · (d + 1)
// + r. The same operations in the same order as simplex() in assembly/crf_lattice.ts, in f64:
// WGSL has no f64, so it is emulated here on u32 (round to nearest even, as IEEE; subnormals are
// flushed to zero). In f32 (simulated in JS: the 512x512 astronaut) 4 pixels of the d = 5 lattice
// land in a neighbouring simplex (decisions next to a simplex face), enough to change m by one:
// with f64 the lattice is WASM's, bit for bit (test/post/crf-webgpu-build.test.ts).

override WG: u32 = 64u;

struct Params {
  pixels: u32,
  d: u32,
  stride: u32,
  _pad: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
// f64 bit pairs (lo, hi): the d scales of the elevation, then 1 / (d + 1).
@group(0) @binding(1) var<storage, read> consts: array<u32>;
// The features as f64 bit pairs (lo, hi), pixel-major: (pixel · d + k) · 2.
@group(0) @binding(2) var<storage, read> features: array<u32>;
@group(0) @binding(3) var<storage, read_write> keys: array<i32>;
@group(0) @binding(4) var<storage, read_write> weights: array<f32>;

// ---- f64 on u32 ----
// value = (−1)^s · (hi · 2^32 + lo) · 2^(e − 62), the significand's leading 1 at bit 62 and
// bits 9..0 zero (53 bits) after every operation; hi = lo = 0 is zero.
struct F64 {
  s: u32,
  e: i32,
  hi: u32,
  lo: u32,
}

const ZERO = F64(0u, 0, 0u, 0u);

fn is_zero(a: F64) -> bool {
  return (a.hi | a.lo) == 0u;
}

fn from_bits(lo: u32, hi: u32) -> F64 {
  let ex = (hi >> 20u) & 0x7ffu;
  if (ex == 0u) {
    return ZERO;
  }
  let top = (hi & 0xfffffu) | 0x100000u;
  return F64(hi >> 31u, i32(ex) - 1023, (top << 10u) | (lo >> 22u), lo << 10u);
}

fn const_at(i: u32) -> F64 {
  return from_bits(consts[2u * i], consts[2u * i + 1u]);
}

fn from_i32(i: i32) -> F64 {
  if (i == 0) {
    return ZERO;
  }
  let mag = u32(abs(i));
  let lz = countLeadingZeros(mag) + 32u;
  let v = shl(0u, mag, lz - 1u);
  return F64(select(0u, 1u, i < 0), 63 - i32(lz), v.x, v.y);
}

fn neg(a: F64) -> F64 {
  return F64(a.s ^ 1u, a.e, a.hi, a.lo);
}

fn clz64(hi: u32, lo: u32) -> u32 {
  return select(countLeadingZeros(hi), 32u + countLeadingZeros(lo), hi == 0u);
}

fn shl(hi: u32, lo: u32, k: u32) -> vec2<u32> {
  if (k == 0u) {
    return vec2<u32>(hi, lo);
  }
  if (k >= 32u) {
    return vec2<u32>(lo << (k - 32u), 0u);
  }
  return vec2<u32>((hi << k) | (lo >> (32u - k)), lo << k);
}

// Right shift by k, the bits shifted out ORed into bit 0 (sticky).
fn shr_sticky(hi: u32, lo: u32, k: u32) -> vec2<u32> {
  if (k == 0u) {
    return vec2<u32>(hi, lo);
  }
  if (k >= 64u) {
    return vec2<u32>(0u, select(0u, 1u, (hi | lo) != 0u));
  }
  var h = 0u;
  var l = 0u;
  var lost = 0u;
  if (k >= 32u) {
    let s = k - 32u;
    l = hi >> s;
    lost = lo | (hi & ((1u << s) - 1u));
  } else {
    h = hi >> k;
    l = (lo >> k) | (hi << (32u - k));
    lost = lo & ((1u << k) - 1u);
  }
  return vec2<u32>(h, l | select(0u, 1u, lost != 0u));
}

fn lt64(ah: u32, al: u32, bh: u32, bl: u32) -> bool {
  return ah < bh || (ah == bh && al < bl);
}

// Normalizes a non-negative 64-bit significand (leading 1 anywhere, sticky in bit 0) to bit 62
// and rounds it to 53 bits, to nearest even.
fn pack(s: u32, e_in: i32, hi_in: u32, lo_in: u32) -> F64 {
  if ((hi_in | lo_in) == 0u) {
    return ZERO;
  }
  var e = e_in;
  var v = vec2<u32>(hi_in, lo_in);
  let lz = clz64(v.x, v.y);
  if (lz == 0u) {
    v = shr_sticky(v.x, v.y, 1u);
    e += 1;
  } else if (lz > 1u) {
    v = shl(v.x, v.y, lz - 1u);
    e -= i32(lz - 1u);
  }
  let low = v.y & 0x3ffu;
  var h = v.x;
  var l = v.y & ~0x3ffu;
  if (low > 0x200u || (low == 0x200u && (l & 0x400u) != 0u)) {
    l += 0x400u;
    if (l == 0u) {
      h += 1u;
    }
    if ((h & 0x80000000u) != 0u) {
      h = 0x40000000u;
      e += 1;
    }
  }
  return F64(s, e, h, l);
}

fn add(a: F64, b: F64) -> F64 {
  if (is_zero(a)) {
    return b;
  }
  if (is_zero(b)) {
    return a;
  }
  var big = a;
  var small = b;
  if (a.e < b.e || (a.e == b.e && lt64(a.hi, a.lo, b.hi, b.lo))) {
    big = b;
    small = a;
  }
  let t = shr_sticky(small.hi, small.lo, u32(big.e - small.e));
  var h: u32;
  var l: u32;
  if (big.s == small.s) {
    l = big.lo + t.y;
    h = big.hi + t.x + select(0u, 1u, l < big.lo);
  } else {
    l = big.lo - t.y;
    h = big.hi - t.x - select(0u, 1u, big.lo < t.y);
  }
  return pack(big.s, big.e, h, l);
}

fn sub(a: F64, b: F64) -> F64 {
  return add(a, neg(b));
}

// 32 x 32 → 64 bits (hi, lo).
fn mul32(a: u32, b: u32) -> vec2<u32> {
  let al = a & 0xffffu;
  let ah = a >> 16u;
  let bl = b & 0xffffu;
  let bh = b >> 16u;
  let ll = al * bl;
  let lh = al * bh;
  let hl = ah * bl;
  let mid = lh + hl;
  let lo = ll + (mid << 16u);
  let hi = ah * bh + (mid >> 16u) + select(0u, 0x10000u, mid < lh) + select(0u, 1u, lo < ll);
  return vec2<u32>(hi, lo);
}

fn mul(a: F64, b: F64) -> F64 {
  if (is_zero(a) || is_zero(b)) {
    return ZERO;
  }
  // The 53-bit significands (21 + 32 bits), their 106-bit product in four words w3..w0.
  let a1 = a.hi >> 10u;
  let a0 = (a.hi << 22u) | (a.lo >> 10u);
  let b1 = b.hi >> 10u;
  let b0 = (b.hi << 22u) | (b.lo >> 10u);
  let p00 = mul32(a0, b0);
  let p01 = mul32(a0, b1);
  let p10 = mul32(a1, b0);
  let p11 = mul32(a1, b1);
  let w0 = p00.y;
  let w1a = p00.x + p01.y;
  let w1 = w1a + p10.y;
  let c2 = select(0u, 1u, w1a < p00.x) + select(0u, 1u, w1 < w1a);
  let w2a = p01.x + p10.x;
  let w2b = w2a + p11.y;
  let w2 = w2b + c2;
  let c3 = select(0u, 1u, w2a < p01.x) + select(0u, 1u, w2b < w2a) + select(0u, 1u, w2 < w2b);
  let w3 = p11.x + c3;
  // The product >> 42 (leading 1 at bit 62 or 63), the rest as sticky.
  let hi = (w3 << 22u) | (w2 >> 10u);
  let lo = (w2 << 22u) | (w1 >> 10u) | select(0u, 1u, ((w1 & 0x3ffu) | w0) != 0u);
  return pack(a.s ^ b.s, a.e + b.e, hi, lo);
}

fn mag_lt(a: F64, b: F64) -> bool {
  if (is_zero(a)) {
    return !is_zero(b);
  }
  if (is_zero(b)) {
    return false;
  }
  return a.e < b.e || (a.e == b.e && lt64(a.hi, a.lo, b.hi, b.lo));
}

fn lt(a: F64, b: F64) -> bool {
  let az = is_zero(a);
  let bz = is_zero(b);
  if (az || bz) {
    return select(a.s == 1u, b.s == 0u && !bz, az);
  }
  if (a.s != b.s) {
    return a.s == 1u;
  }
  return select(mag_lt(b, a), mag_lt(a, b), a.s == 0u);
}

// floor (up = false) or ceil (up = true) as i32; |a| < 2^30.
fn to_int(a: F64, up: bool) -> i32 {
  if (is_zero(a)) {
    return 0;
  }
  var ip = 0u;
  var frac = true;
  if (a.e >= 0) {
    let sh = u32(62 - a.e) - 32u;
    ip = a.hi >> sh;
    frac = a.lo != 0u || (a.hi & ((1u << sh) - 1u)) != 0u;
  }
  if (a.s == 0u) {
    return i32(ip) + select(0, 1, up && frac);
  }
  return -(i32(ip) + select(0, 1, !up && frac));
}

// To the nearest f32 (ties to even); below f32's normal range: 0.
fn to_f32(a: F64) -> f32 {
  let ex = a.e + 127;
  if (is_zero(a) || ex <= 0) {
    return 0.0;
  }
  let m24 = a.hi >> 7u;
  var bits = (a.s << 31u) + (u32(ex - 1) << 23u) + m24;
  let half = (a.hi >> 6u) & 1u;
  let rest = (a.hi & 0x3fu) | a.lo;
  if (half == 1u && (rest != 0u || (m24 & 1u) == 1u)) {
    bits += 1u;
  }
  return bitcast<f32>(bits);
}

// ---- the simplex ----

const MAX_D1: u32 = 8u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let px = gid.x + gid.y * p.stride;
  if (px >= p.pixels) {
    return;
  }
  let d = p.d;
  let d1 = d + 1u;
  let di1 = i32(d1);
  let down = const_at(d);
  var el: array<F64, MAX_D1>;
  var sm = ZERO;
  for (var j = d; j > 0u; j--) {
    let f = (px * d + j - 1u) * 2u;
    let cf = mul(from_bits(features[f], features[f + 1u]), const_at(j - 1u));
    el[j] = sub(sm, mul(from_i32(i32(j)), cf));
    sm = add(sm, cf);
  }
  el[0] = sm;
  var rem0: array<i32, MAX_D1>;
  var rank: array<i32, MAX_D1>;
  var sum = 0;
  for (var i = 0u; i <= d; i++) {
    let e = el[i];
    let v = mul(down, e);
    let up = to_int(v, true) * di1;
    let dn = to_int(v, false) * di1;
    rem0[i] = select(dn, up, lt(sub(from_i32(up), e), sub(e, from_i32(dn))));
    sum += rem0[i];
    rank[i] = 0;
  }
  sum = sum / di1;
  // Each coordinate's differential (el − rem0), used for the ranks and the weights.
  var diff: array<F64, MAX_D1>;
  for (var i = 0u; i <= d; i++) {
    diff[i] = sub(el[i], from_i32(rem0[i]));
  }
  for (var i = 0u; i < d; i++) {
    for (var j = i + 1u; j <= d; j++) {
      if (lt(diff[i], diff[j])) {
        rank[i]++;
      } else {
        rank[j]++;
      }
    }
  }
  if (sum != 0) {
    for (var i = 0u; i <= d; i++) {
      let ri = rank[i];
      if (sum > 0 && ri >= di1 - sum) {
        rem0[i] -= di1;
        rank[i] = ri + sum - di1;
      } else if (sum < 0 && ri < -sum) {
        rem0[i] += di1;
        rank[i] = ri + di1 + sum;
      } else {
        rank[i] = ri + sum;
      }
    }
  }
  var bary: array<F64, MAX_D1>;
  for (var i = 0u; i <= d1; i++) {
    bary[i] = ZERO;
  }
  for (var i = 0u; i <= d; i++) {
    // (rem0 may have moved by d + 1 since diff was taken.)
    let v = mul(sub(el[i], from_i32(rem0[i])), down);
    let r = u32(rank[i]);
    bary[d - r] = add(bary[d - r], v);
    bary[d1 - r] = sub(bary[d1 - r], v);
  }
  bary[0] = add(add(bary[0], from_i32(1)), bary[d1]);
  for (var r = 0u; r <= d; r++) {
    let e = px * d1 + r;
    weights[e] = to_f32(bary[r]);
    for (var i = 0u; i < d; i++) {
      keys[e * d + i] = rem0[i] + select(i32(r) - di1, i32(r), rank[i] <= i32(d - r));
    }
  }
}
