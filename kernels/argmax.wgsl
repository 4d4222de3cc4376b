// ArgMax along one axis of an (outer, n, inner) view; one invocation per row. The int64 result
// is written as two 32-bit words (low = index, high = 0), little-endian like BigInt64Array.

override WG: u32 = 64u;
override SELECT_LAST: bool = false;

struct Params { count: u32, n: u32, inner: u32, _pad: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<u32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= p.count) { return; }
  let base = (i / p.inner) * p.n * p.inner + i % p.inner;
  var best = 0u;
  var bv = x[base];
  for (var j = 1u; j < p.n; j++) {
    let v = x[base + j * p.inner];
    if (v > bv || (SELECT_LAST && v == bv)) {
      best = j;
      bv = v;
    }
  }
  y[2u * i] = best;
  y[2u * i + 1u] = 0u;
}
