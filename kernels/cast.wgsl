// Cast between float32, int32 and int64 (stored as two 32-bit words, low first). Float -> int
// truncates toward zero, as ONNX does; 64-bit integers are exact within the int32 range (indices,
// labels), and int64 -> float32 uses both words.

override WG: u32 = 64u;
// Element kinds: 0 float32, 1 int32, 2 int64
override SRC: u32 = 0u;
override DST: u32 = 0u;

struct Params { count: u32, _p0: u32, _p1: u32, _p2: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<u32>;
@group(0) @binding(2) var<storage, read_write> y: array<u32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= p.count) { return; }
  var f = 0.0;
  var n = 0i;
  if (SRC == 0u) {
    f = bitcast<f32>(x[i]);
    n = i32(trunc(f));
  } else if (SRC == 1u) {
    n = bitcast<i32>(x[i]);
    f = f32(n);
  } else {
    let lo = x[2u * i];
    let hi = bitcast<i32>(x[2u * i + 1u]);
    n = bitcast<i32>(lo);
    // Within the int32 range the low word alone is exact; beyond it, combine both words.
    let fits = hi == select(0i, -1i, n < 0);
    f = select(f32(hi) * 4294967296.0 + f32(lo), f32(n), fits);
  }
  if (DST == 0u) {
    y[i] = bitcast<u32>(f);
  } else if (DST == 1u) {
    y[i] = bitcast<u32>(n);
  } else {
    y[2u * i] = bitcast<u32>(n);
    y[2u * i + 1u] = select(0u, 0xffffffffu, n < 0);
  }
}
