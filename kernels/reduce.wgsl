// ReduceMean / ReduceMax over a contiguous run of axes: an (outer, n, inner) view reduced along n,
// one invocation per output element. Mean sums in f32 and divides by n.

override WG: u32 = 64u;
// 0 mean, 1 max
override MODE: u32 = 0u;

struct Params { count: u32, n: u32, inner: u32, _pad: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= p.count) { return; }
  let base = (i / p.inner) * p.n * p.inner + i % p.inner;
  var acc = x[base];
  for (var j = 1u; j < p.n; j++) {
    let v = x[base + j * p.inner];
    if (MODE == 1u) { acc = max(acc, v); } else { acc += v; }
  }
  if (MODE == 0u) { acc = acc / f32(p.n); }
  y[i] = acc;
}
