// Dense-CRF lattice build on the GPU, step 10 (src/post/crf/webgpu-build.ts): per pixel, slices
// the blurred ones: n(i) = 1 / sqrt(alpha · Σ_r w(i, r) · vals[point(i, r)] + 1e-20), as
// crfLatticeNorm.

override WG: u32 = 64u;

struct Params {
  pixels: u32,
  d1: u32,
  stride: u32,
  alpha: f32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> offsets: array<u32>;
@group(0) @binding(2) var<storage, read> weights: array<f32>;
@group(0) @binding(3) var<storage, read> vals: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> norm: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * p.stride;
  if (i >= p.pixels) {
    return;
  }
  var v = 0.0;
  for (var r = 0u; r < p.d1; r++) {
    let e = i * p.d1 + r;
    v += weights[e] * vals[offsets[e]].x;
  }
  norm[i] = 1.0 / sqrt(p.alpha * v + 1e-20);
}
