// Dense-CRF lattice build on the GPU, step 11 (src/post/crf/webgpu-build.ts): folds the
// normalization into the weights, in place, as crfScaleWeights: splat weights w · n(pixel) per CSR
// entry, slice weights (scale · n(i)) · w per pixel vertex (scale = kernel weight · alpha).

override WG: u32 = 64u;

struct Params {
  total: u32,
  d1: u32,
  stride: u32,
  scale: f32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> norm: array<f32>;
@group(0) @binding(2) var<storage, read> entryPix: array<u32>;
@group(0) @binding(3) var<storage, read_write> entryW: array<f32>;
@group(0) @binding(4) var<storage, read_write> weights: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let t = gid.x + gid.y * p.stride;
  if (t >= p.total) {
    return;
  }
  entryW[t] = entryW[t] * norm[entryPix[t]];
  weights[t] = (p.scale * norm[t / p.d1]) * weights[t];
}
