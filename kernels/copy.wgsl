// Strided copy of 32-bit words, rank <= 8: walks a region of `dims`; word k of the region is read
// at src_base + sum(c_d * src_strides_d) and written at dst_base + sum(c_d * dst_strides_d).
// Transpose, Slice (negative steps too), Concat by offset, Split and Expand are all this copy;
// int64 values are copied as two words (the host adds an innermost axis of 2). The host collapses
// the axes to the fewest that walk the same words (at least two): two axes (an NHWC <-> NCHW
// transpose, a slice of rows, a concat part) take a straight-line path, one division and no loop;
// the loop's division, remainder and run-time-indexed uniform reads per axis are slow on software
// adapters (SwiftShader emulates integer division per lane).

override WG: u32 = 64u;

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
  if (p.rank == 2u) {
    let inner = p.dims[0].y;
    let c0 = i / inner;
    let c1 = i32(i - c0 * inner);
    let at = vec2<i32>(i32(c0), c1);
    dst[u32(p.dst_base + dot(at, p.ds[0].xy))] = src[u32(p.src_base + dot(at, p.ss[0].xy))];
    return;
  }
  var rem = i;
  var s = p.src_base;
  var o = p.dst_base;
  for (var d = i32(p.rank) - 1; d >= 0; d--) {
    let size = p.dims[d / 4][d % 4];
    let c = i32(rem % size);
    rem = rem / size;
    s += c * p.ss[d / 4][d % 4];
    o += c * p.ds[d / 4][d % 4];
  }
  dst[u32(o)] = src[u32(s)];
}
