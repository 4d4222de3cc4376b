// Windowed max / average pooling over (H, W) of NCHW planes (1-D pools use H = 1); also
// GlobalAveragePool (window = whole plane). Pads never win a max; average divides by the window
// count inside input + pads (count_include_pad) or inside the input only.

override WG: u32 = 64u;
// 0 max, 1 average including pads, 2 average excluding pads
override MODE: u32 = 0u;

struct Params {
  count: u32, H: u32, W: u32, OH: u32,
  OW: u32, KH: u32, KW: u32, SH: u32,
  SW: u32, DH: u32, DW: u32, PT: i32,
  PL: i32, PB: i32, PR: i32, _pad: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= p.count) { return; }
  let ow = i % p.OW;
  let t = i / p.OW;
  let oh = t % p.OH;
  let plane = t / p.OH;
  let base = plane * p.H * p.W;
  var acc = select(0.0, -3.4028234e38, MODE == 0u);
  var seen = false;
  var inside = 0u;
  var padded = 0u;
  for (var kh = 0u; kh < p.KH; kh++) {
    let ih = i32(oh * p.SH + kh * p.DH) - p.PT;
    for (var kw = 0u; kw < p.KW; kw++) {
      let iw = i32(ow * p.SW + kw * p.DW) - p.PL;
      if (ih < i32(p.H) + p.PB && iw < i32(p.W) + p.PR) { padded += 1u; }
      if (ih < 0 || ih >= i32(p.H) || iw < 0 || iw >= i32(p.W)) { continue; }
      let v = x[base + u32(ih) * p.W + u32(iw)];
      inside += 1u;
      if (MODE == 0u) {
        acc = select(max(acc, v), v, !seen);
        seen = true;
      } else {
        acc += v;
      }
    }
  }
  if (MODE == 1u) { acc = acc / f32(padded); }
  if (MODE == 2u) { acc = acc / f32(inside); }
  y[i] = acc;
}
