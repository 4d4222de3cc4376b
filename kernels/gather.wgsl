// Gather along one axis with indices known at prepare: the data viewed as [outer, n, inner] in
// 32-bit words (a 64-bit element is two, inner counts words), out[o, j, k] = x[o, idx[j], k] for
// the m indices, normalised to 0 .. n - 1 on the host (any index rank: they are flattened).

override WG: u32 = 64u;

struct Params { count: u32, m: u32, inner: u32, n: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<u32>;
@group(0) @binding(2) var<storage, read> idx: array<u32>;
@group(0) @binding(3) var<storage, read_write> y: array<u32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= p.count) { return; }
  let k = i % p.inner;
  let r = i / p.inner;
  y[i] = x[((r / p.m) * p.n + idx[r % p.m]) * p.inner + k];
}
