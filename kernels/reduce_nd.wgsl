// ReduceMean / ReduceMax over axes that stay apart once size-1 axes are dropped (reduce.wgsl takes
// a contiguous run): output element i sits at its kept coordinates (kept dims, their input
// strides), and the reduced axes (reduced dims, their input strides) are walked as one flat index,
// innermost first. Rank <= 8 on either side. Mean sums in f32 and divides by n, as reduce.wgsl.

override WG: u32 = 64u;
// 0 mean, 1 max
override MODE: u32 = 0u;

struct Params {
  count: u32, n: u32, kept_rank: u32, reduced_rank: u32,
  kept_dims: array<vec4<u32>, 2>,
  kept_strides: array<vec4<u32>, 2>,
  reduced_dims: array<vec4<u32>, 2>,
  reduced_strides: array<vec4<u32>, 2>,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= p.count) { return; }
  var rem = i;
  var base = 0u;
  for (var d = i32(p.kept_rank) - 1; d >= 0; d--) {
    let size = p.kept_dims[d / 4][d % 4];
    base += (rem % size) * p.kept_strides[d / 4][d % 4];
    rem = rem / size;
  }
  var acc = x[base];
  for (var j = 1u; j < p.n; j++) {
    var r = j;
    var at = base;
    for (var d = i32(p.reduced_rank) - 1; d >= 0; d--) {
      let size = p.reduced_dims[d / 4][d % 4];
      at += (r % size) * p.reduced_strides[d / 4][d % 4];
      r = r / size;
    }
    let v = x[at];
    if (MODE == 1u) { acc = max(acc, v); } else { acc += v; }
  }
  if (MODE == 0u) { acc = acc / f32(p.n); }
  y[i] = acc;
}
