// Elementwise binary ops with ONNX (numpy) broadcasting, on axes the host collapsed to the fewest
// that index the same elements (collapseAxes): BROADCAST = false, same shapes, y[i] = a[i] op b[i];
// else two axes (a per-channel scale or bias, a row or column broadcast: nearly every broadcast
// once collapsed) on a straight-line path, one division per element. Broadcasts that keep three or
// more axes run binary_nd.wgsl. The general loop lives there, not behind a branch here: on
// SwiftShader its mere presence (a division, a remainder and run-time-indexed uniform reads per
// axis) made this kernel's straight paths 1.6-2.3x slower, even where never taken (a same-shape Add
// of 262144 elements 7.3 vs 4.6 ms, a per-channel Mul 15.6 vs 6.7).

override WG: u32 = 64u;
// 0 Add, 1 Sub, 2 Mul, 3 Div, 4 PRelu (a >= 0 ? a : a * b)
override OP: u32 = 0u;
override BROADCAST: bool = true;

// dims, sa, sb: the two axes (outer, inner) in .x and .y, as binary_nd.wgsl's first vec4s.
struct Params {
  count: u32, rank: u32, _p0: u32, _p1: u32,
  dims: array<vec4<u32>, 2>,
  sa: array<vec4<u32>, 2>,
  sb: array<vec4<u32>, 2>,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;

fn apply(u: f32, v: f32) -> f32 {
  switch OP {
    case 1u: { return u - v; }
    case 2u: { return u * v; }
    case 3u: { return u / v; }
    case 4u: { return select(u * v, u, u >= 0.0); }
    default: { return u + v; }
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= p.count) { return; }
  if (!BROADCAST) {
    y[i] = apply(a[i], b[i]);
    return;
  }
  let inner = p.dims[0].y;
  let c0 = i / inner;
  let c1 = i - c0 * inner;
  y[i] = apply(a[c0 * p.sa[0].x + c1 * p.sa[0].y], b[c0 * p.sb[0].x + c1 * p.sb[0].y]);
}
