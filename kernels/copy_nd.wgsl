// Strided copy of 32-bit words, rank <= 8, for regions that keep three or more axes once collapsed
// (copy.wgsl takes the others): word k of the region is read at src_base + sum(c_d * src_strides_d)
// and written at dst_base + sum(c_d * dst_strides_d), walking the axes from the innermost.

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
