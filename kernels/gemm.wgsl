// Batched matrix product for Gemm and MatMul: y[b, m, n] = act(alpha * sum_k A[b, m, k] B[b, k, n]
// + beta * C[m, n]). Operands are read through strides, so transA/transB and broadcast batches
// (stride 0) need no copy. One invocation per output element.

override WG: u32 = 64u;
// 0 none, 1 Relu, 2 Clip, 3 Sigmoid, 4 HardSigmoid, 5 HardSwish, 6 Tanh, 7 LeakyRelu
override ACT: u32 = 0u;
override HAS_C: bool = false;

struct Params {
  count: u32, M: u32, N: u32, K: u32,
  a_b: u32, a_m: u32, a_k: u32, b_b: u32,
  b_k: u32, b_n: u32, c_m: u32, c_n: u32,
  alpha: f32, beta: f32, a0: f32, a1: f32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read> c: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;

fn activate(v: f32) -> f32 {
  switch ACT {
    case 1u: { return max(v, 0.0); }
    case 2u: { return min(max(v, p.a0), p.a1); }
    case 3u: { return 1.0 / (1.0 + exp(-v)); }
    case 4u: { return clamp(p.a0 * v + p.a1, 0.0, 1.0); }
    case 5u: { return v * clamp(v / 6.0 + 0.5, 0.0, 1.0); }
    case 6u: { return tanh(clamp(v, -20.0, 20.0)); }
    case 7u: { return select(p.a0 * v, v, v >= 0.0); }
    default: { return v; }
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= p.count) { return; }
  let n = i % p.N;
  let t = i / p.N;
  let m = t % p.M;
  let bt = t / p.M;
  var ia = bt * p.a_b + m * p.a_m;
  var ib = bt * p.b_b + n * p.b_n;
  var s = 0.0;
  for (var k = 0u; k < p.K; k++) {
    s += a[ia] * b[ib];
    ia += p.a_k;
    ib += p.b_k;
  }
  var v = p.alpha * s;
  if (HAS_C) { v += p.beta * c[m * p.c_m + n * p.c_n]; }
  y[i] = activate(v);
}
