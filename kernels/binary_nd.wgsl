// Elementwise binary ops with ONNX (numpy) broadcasting, rank <= 8, for broadcasts that keep three
// or more axes once collapsed (binary.wgsl takes the others). The host passes the output dims and
// each input's strides (0 on broadcast axes); each element walks the axes from the innermost.

override WG: u32 = 64u;
// 0 Add, 1 Sub, 2 Mul, 3 Div, 4 PRelu (a >= 0 ? a : a * b)
override OP: u32 = 0u;

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
  var rem = i;
  var ia = 0u;
  var ib = 0u;
  for (var d = i32(p.rank) - 1; d >= 0; d--) {
    let size = p.dims[d / 4][d % 4];
    let c = rem % size;
    rem = rem / size;
    ia += c * p.sa[d / 4][d % 4];
    ib += c * p.sb[d / 4][d % 4];
  }
  y[i] = apply(a[ia], b[ib]);
}
