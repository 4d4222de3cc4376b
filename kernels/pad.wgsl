// Pad in constant, reflect or edge mode, rank <= 8: each output element finds its source
// coordinate per axis (or the constant value when it falls in a constant pad). Negative pads crop
// first: in_dims are the cropped lengths and src_base the cropped origin, as onnxruntime does.

override WG: u32 = 64u;
// 0 constant, 1 reflect, 2 edge
override MODE: u32 = 0u;

struct Params {
  count: u32, rank: u32, value: f32, src_base: i32,
  out_dims: array<vec4<u32>, 2>,
  in_dims: array<vec4<i32>, 2>,
  begin: array<vec4<i32>, 2>,
  strides: array<vec4<i32>, 2>,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= p.count) { return; }
  var rem = i;
  var src = p.src_base;
  for (var d = i32(p.rank) - 1; d >= 0; d--) {
    let size = p.out_dims[d / 4][d % 4];
    let n = p.in_dims[d / 4][d % 4];
    var c = i32(rem % size) - p.begin[d / 4][d % 4];
    rem = rem / size;
    if (c < 0 || c >= n) {
      if (MODE == 0u) {
        y[i] = p.value;
        return;
      }
      if (MODE == 2u || n == 1) {
        c = clamp(c, 0, n - 1);
      } else {
        let period = 2 * (n - 1);
        c = ((c % period) + period) % period;
        c = select(c, period - c, c >= n);
      }
    }
    src += c * p.strides[d / 4][d % 4];
  }
  y[i] = x[src];
}
