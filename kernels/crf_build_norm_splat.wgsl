// Dense-CRF lattice build on the GPU, step 9 (src/post/crf/webgpu-build.ts): the normalization
// starts by splatting ones: vals[p] = Σ barycentric weights of point p's entries (in the CSR's
// pixel order, as crfLatticeNorm sums them), in all four lanes so that crf_blur (one class group)
// blurs it as it is. Row 0 stays zero.

override WG: u32 = 64u;

struct Params {
  points: u32,
  stride: u32,
  _pad0: u32,
  _pad1: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> start: array<u32>;
@group(0) @binding(2) var<storage, read> entryW: array<f32>;
@group(0) @binding(3) var<storage, read_write> vals: array<vec4<f32>>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let t = gid.x + gid.y * p.stride;
  if (t >= p.points) {
    return;
  }
  let pt = t + 1u;
  var s = 0.0;
  let end = start[pt + 1u];
  for (var e = start[pt]; e < end; e++) {
    s += entryW[e];
  }
  vals[pt] = vec4<f32>(s);
}
