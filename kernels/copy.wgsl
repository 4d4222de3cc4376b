// Strided copy of 32-bit words on two axes: word k = (c0, c1) of the region is read at
// src_base + c0 * ss0 + c1 * ss1 and written at dst_base + c0 * ds0 + c1 * ds1. Transpose, Slice
// (negative steps too), Concat by offset, Split and Expand are all this copy; int64 values are
// copied as two words (the host adds an innermost axis of 2). The host collapses the axes to the
// fewest that walk the same words (collapseAxes): two or fewer (an NHWC <-> NCHW transpose, a slice
// of rows, a concat part) run here with one division per word; three or more run copy_nd.wgsl,
// whose per-axis loop (a division, a remainder and run-time-indexed uniform reads per axis) would
// slow this straight path down on SwiftShader even where never taken (see binary.wgsl).

override WG: u32 = 64u;

// dims, ss, ds: the two axes (outer, inner) in .x and .y, as copy_nd.wgsl's first vec4s.
struct Params {
  count: u32, rank: u32, src_base: i32, dst_base: i32,
  dims: array<vec4<u32>, 2>,
  ss: array<vec4<i32>, 2>,
  ds: array<vec4<i32>, 2>,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> src: array<u32>;
@group(0) @binding(2) var<storage, read_write> dst: array<u32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= p.count) { return; }
  let inner = p.dims[0].y;
  let c0 = i / inner;
  let at = vec2<i32>(i32(c0), i32(i - c0 * inner));
  dst[u32(p.dst_base + dot(at, p.ds[0].xy))] = src[u32(p.src_base + dot(at, p.ss[0].xy))];
}
