// Dense-CRF lattice splat as a gather (src/post/crf/webgpu.ts): for lattice point p (1..points)
// and class group g (4 classes), vals[p] = Σ_e w_e · q[pix_e] over the entries start[p] ..
// start[p + 1] (the pixels whose simplex has p as a vertex, in pixel order, weights with the
// normalization n(pix) folded in). A gather, not a scatter: WGSL has no float atomics. Row 0 of
// vals is "no neighbour" and stays zero (never written).

override WG: u32 = 64u;

struct Params {
  points: u32,  // m
  groups: u32,  // padded classes / 4
  stride: u32,  // invocations per dispatch row (gx * WG)
  _pad: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> start: array<u32>;
// Pixel and weight per entry: two arrays, as the WASM lattice build makes them (uploaded as they are).
@group(0) @binding(2) var<storage, read> entryPix: array<u32>;
@group(0) @binding(3) var<storage, read> entryW: array<f32>;
@group(0) @binding(4) var<storage, read> q: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read_write> vals: array<vec4<f32>>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let t = gid.x + gid.y * p.stride;
  if (t >= p.points * p.groups) {
    return;
  }
  let pt = t / p.groups + 1u;
  let g = t % p.groups;
  var acc = vec4<f32>(0.0);
  let end = start[pt + 1u];
  for (var e = start[pt]; e < end; e++) {
    acc += entryW[e] * q[entryPix[e] * p.groups + g];
  }
  vals[pt * p.groups + g] = acc;
}
