// Pointwise activations: y = act(x). ACT as in conv.wgsl; params a0, a1 (Clip min/max,
// HardSigmoid alpha/beta, LeakyRelu alpha).

override WG: u32 = 64u;
// 0 identity, 1 Relu, 2 Clip, 3 Sigmoid, 4 HardSigmoid, 5 HardSwish, 6 Tanh, 7 LeakyRelu
override ACT: u32 = 0u;

struct Params { count: u32, a0: f32, a1: f32, _pad: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

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
  y[i] = activate(x[i]);
}
