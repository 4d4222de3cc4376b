// Per-channel affine y = x * scale[c] + shift[c] over (N, C, inner): inference BatchNormalization
// with scale = gamma / sqrt(var + eps) and shift = beta - mean * scale folded on the host.

override WG: u32 = 64u;

struct Params { count: u32, C: u32, inner: u32, _pad: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> ss: array<vec2<f32>>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= p.count) { return; }
  let k = ss[(i / p.inner) % p.C];
  y[i] = x[i] * k.x + k.y;
}
