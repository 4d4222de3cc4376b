// Dense-CRF mean-field update (src/post/crf/webgpu.ts), one invocation per pixel:
// q[i] = softmax(−unary[i] + Σ_k slice_k(i)) over the first `classes` of 4 · groups lanes, with
// slice_k(i) = Σ_v w_k(i, v) · vals_k[off_k(i, v)] over the pixel's d1_k simplex vertices (slice
// weights already hold weight_k · alpha_k · n_k(i)). d1 = 0 means "no such kernel" (the first
// update, Q = softmax(−unary), uses none). Padding lanes get Q = 0. Q is overwritten in place:
// the splats that read it ran in earlier dispatches. The unary is compact (classes floats per pixel,
// as the host has it): padding it to 4 · groups lanes on the host was a pass over 5.5M floats.

override WG: u32 = 64u;

struct Params {
  pixels: u32,
  groups: u32,
  classes: u32,
  stride: u32,
  d1a: u32,
  d1b: u32,
  _pad0: u32,
  _pad1: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> unary: array<f32>;
@group(0) @binding(2) var<storage, read_write> q: array<vec4<f32>>;
// Lattice point and weight per pixel vertex (two arrays, as the WASM lattice build makes them), per kernel.
@group(0) @binding(3) var<storage, read> pointA: array<u32>;
@group(0) @binding(4) var<storage, read> weightA: array<f32>;
@group(0) @binding(5) var<storage, read> valsA: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read> pointB: array<u32>;
@group(0) @binding(7) var<storage, read> weightB: array<f32>;
@group(0) @binding(8) var<storage, read> valsB: array<vec4<f32>>;

const NEG_BIG: f32 = -3.0e38;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * p.stride;
  if (i >= p.pixels) {
    return;
  }
  let gs = p.groups;
  var mx = NEG_BIG;
  let last = vec4<u32>(p.pixels * p.classes - 1u);
  for (var g = 0u; g < gs; g++) {
    let lane = vec4<u32>(4u * g) + vec4<u32>(0u, 1u, 2u, 3u);
    let live = lane < vec4<u32>(p.classes);
    // Lanes past the classes read some in-range float and are masked below.
    let at = min(vec4<u32>(i * p.classes) + lane, last);
    var l = -vec4<f32>(unary[at.x], unary[at.y], unary[at.z], unary[at.w]);
    for (var r = 0u; r < p.d1a; r++) {
      let e = i * p.d1a + r;
      l += weightA[e] * valsA[pointA[e] * gs + g];
    }
    for (var r = 0u; r < p.d1b; r++) {
      let e = i * p.d1b + r;
      l += weightB[e] * valsB[pointB[e] * gs + g];
    }
    l = select(vec4<f32>(NEG_BIG), l, live);
    q[i * gs + g] = l;
    mx = max(mx, max(max(l.x, l.y), max(l.z, l.w)));
  }
  var sum = 0.0;
  for (var g = 0u; g < gs; g++) {
    let lane = vec4<u32>(4u * g) + vec4<u32>(0u, 1u, 2u, 3u);
    let e = select(vec4<f32>(0.0), exp(q[i * gs + g] - mx), lane < vec4<u32>(p.classes));
    q[i * gs + g] = e;
    sum += e.x + e.y + e.z + e.w;
  }
  let inv = 1.0 / sum;
  for (var g = 0u; g < gs; g++) {
    q[i * gs + g] = q[i * gs + g] * inv;
  }
}
