// Softmax along one axis of an (outer, n, inner) view: one invocation per row (outer x inner).
// Max-subtracted exponentials, summed in f32.

override WG: u32 = 64u;

struct Params { count: u32, n: u32, inner: u32, _pad: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= p.count) { return; }
  let base = (i / p.inner) * p.n * p.inner + i % p.inner;
  var m = x[base];
  for (var j = 1u; j < p.n; j++) { m = max(m, x[base + j * p.inner]); }
  var s = 0.0;
  for (var j = 0u; j < p.n; j++) {
    let e = exp(x[base + j * p.inner] - m);
    y[base + j * p.inner] = e;
    s += e;
  }
  let r = 1.0 / s;
  for (var j = 0u; j < p.n; j++) { y[base + j * p.inner] *= r; }
}
