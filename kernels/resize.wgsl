// Resize on the last two axes (H, W) of a stack of planes. The host computes, per output row and
// column, two source taps and their weights in the exact float32 arithmetic of the ONNX
// coordinate mode (all modes, nearest and linear); nearest is a single tap with weight 1.
// taps[0 .. OH) are the rows, taps[OH .. OH + OW) the columns. Each invocation computes one output
// position (oh, ow) for every plane: its taps are loaded once, not once per plane (on software
// adapters every per-invocation load is a gather, and the taps were 2/3 of them).

override WG: u32 = 64u;

struct Tap { i0: u32, i1: u32, w0: f32, w1: f32 }
struct Params { count: u32, H: u32, W: u32, OH: u32, OW: u32, planes: u32, _p1: u32, _p2: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> taps: array<Tap>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= p.count) { return; }
  let ow = i % p.OW;
  let oh = i / p.OW;
  let r = taps[oh];
  let c = taps[p.OH + ow];
  let hw = p.H * p.W;
  let ohw = p.OH * p.OW;
  // A zero weight skips its tap, so nearest (one tap) copies the value exactly, Inf included.
  let two = c.w1 != 0.0;
  let r0 = r.i0 * p.W;
  let r1 = r.i1 * p.W;
  for (var plane = 0u; plane < p.planes; plane++) {
    let base = plane * hw;
    var top = c.w0 * x[base + r0 + c.i0];
    if (two) { top += c.w1 * x[base + r0 + c.i1]; }
    var v = r.w0 * top;
    if (r.w1 != 0.0) {
      var bottom = c.w0 * x[base + r1 + c.i0];
      if (two) { bottom += c.w1 * x[base + r1 + c.i1]; }
      v += r.w1 * bottom;
    }
    y[plane * ohw + i] = v;
  }
}
