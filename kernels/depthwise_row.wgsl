// Depthwise 2-D convolution with a 3- or 5-wide kernel (override KW) and horizontal stride 1 (any
// kernel height, vertical stride, dilations and pads), NCHW, fused bias + activation. Each
// invocation computes R = 8 outputs of one row spaced by the horizontal dilation DW (columns
// b + q + j * DW), so the taps of output j read window values j .. j + KW - 1: per kernel row it
// loads R + KW - 1 inputs for KW * R multiply-adds (depthwise.wgsl: one load per multiply-add; a
// MobileNetV3 5x5 at 1/16 scale ran ~2x faster here). Weights and window stay in registers with
// constant indices (software adapters make every run-time-indexed load a gather). The activation
// is an override: as a uniform (one pipeline for all activations) with the 8 results stored from
// a local array at one site, a 3x3 ran ~1.5x slower on SwiftShader.

override WG: u32 = 64u;
override KW: u32 = 3u;
// 0 none, 1 Relu, 2 Clip, 3 Sigmoid, 4 HardSigmoid, 5 HardSwish, 6 Tanh, 7 LeakyRelu
override ACT: u32 = 0u;

struct Params {
  count: u32, C: u32, H: u32, W: u32,
  OH: u32, OW: u32, KH: u32, SH: u32,
  DH: u32, DW: u32, PT: i32, PL: i32,
  // Column groups per row (of R * DW columns each); activation parameters.
  groups: u32, _pad: u32, a0: f32, a1: f32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;

fn activate(v: f32) -> f32 {
  switch ACT {
    case 1u: { return max(v, 0.0); }
    case 2u: { return min(max(v, p.a0), p.a1); }
    case 3u: { return 1.0 / (1.0 + exp(-v)); }
    case 4u: { return clamp(p.a0 * v + p.a1, 0.0, 1.0); }
    case 5u: { return v * clamp(v / 6.0 + 0.5, 0.0, 1.0); }
    case 6u: { return tanh(clamp(v, -20.0, 20.0)); }
    case 7u: { return select(p.a0 * v, v, v >= 0.0); }
    default: { return v; }
  }
}

// Input (row, column) of the plane at base, 0 outside.
fn at(base: u32, ih: i32, iw: i32) -> f32 {
  let ok = u32(ih) < p.H && u32(iw) < p.W;
  return select(0.0, x[base + u32(select(0, ih * i32(p.W) + iw, ok))], ok);
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= p.count) { return; }
  let q = i % p.DW;
  var t = i / p.DW;
  let grp = t % p.groups;
  t = t / p.groups;
  let oh = t % p.OH;
  let plane = t / p.OH;
  let c = plane % p.C;
  let ow0 = grp * 8u * p.DW + q;
  let iw0 = i32(ow0) - p.PL;
  let dw = i32(p.DW);
  let xb = plane * p.H * p.W;
  let bv = bias[c];
  var a0 = bv;
  var a1 = bv;
  var a2 = bv;
  var a3 = bv;
  var a4 = bv;
  var a5 = bv;
  var a6 = bv;
  var a7 = bv;
  for (var kh = 0u; kh < p.KH; kh++) {
    let ih = i32(oh * p.SH + kh * p.DH) - p.PT;
    let wk = (c * p.KH + kh) * KW;
    let k0 = w[wk + 0u];
    let k1 = w[wk + 1u];
    let k2 = w[wk + 2u];
    var k3 = 0.0;
    var k4 = 0.0;
    if (KW > 3u) {
      k3 = w[wk + 3u];
      k4 = w[wk + 4u];
    }
    let v0 = at(xb, ih, iw0 + 0 * dw);
    let v1 = at(xb, ih, iw0 + 1 * dw);
    let v2 = at(xb, ih, iw0 + 2 * dw);
    let v3 = at(xb, ih, iw0 + 3 * dw);
    let v4 = at(xb, ih, iw0 + 4 * dw);
    let v5 = at(xb, ih, iw0 + 5 * dw);
    let v6 = at(xb, ih, iw0 + 6 * dw);
    let v7 = at(xb, ih, iw0 + 7 * dw);
    let v8 = at(xb, ih, iw0 + 8 * dw);
    let v9 = at(xb, ih, iw0 + 9 * dw);
    var v10 = 0.0;
    var v11 = 0.0;
    if (KW > 3u) {
      v10 = at(xb, ih, iw0 + 10 * dw);
      v11 = at(xb, ih, iw0 + 11 * dw);
    }
    a0 += k0 * v0 + k1 * v1 + k2 * v2;
    a1 += k0 * v1 + k1 * v2 + k2 * v3;
    a2 += k0 * v2 + k1 * v3 + k2 * v4;
    a3 += k0 * v3 + k1 * v4 + k2 * v5;
    a4 += k0 * v4 + k1 * v5 + k2 * v6;
    a5 += k0 * v5 + k1 * v6 + k2 * v7;
    a6 += k0 * v6 + k1 * v7 + k2 * v8;
    a7 += k0 * v7 + k1 * v8 + k2 * v9;
    if (KW > 3u) {
      a0 += k3 * v3 + k4 * v4;
      a1 += k3 * v4 + k4 * v5;
      a2 += k3 * v5 + k4 * v6;
      a3 += k3 * v6 + k4 * v7;
      a4 += k3 * v7 + k4 * v8;
      a5 += k3 * v8 + k4 * v9;
      a6 += k3 * v9 + k4 * v10;
      a7 += k3 * v10 + k4 * v11;
    }
  }
  let yb = (plane * p.OH + oh) * p.OW;
  if (ow0 + 0u * p.DW < p.OW) { y[yb + ow0 + 0u * p.DW] = activate(a0); }
  if (ow0 + 1u * p.DW < p.OW) { y[yb + ow0 + 1u * p.DW] = activate(a1); }
  if (ow0 + 2u * p.DW < p.OW) { y[yb + ow0 + 2u * p.DW] = activate(a2); }
  if (ow0 + 3u * p.DW < p.OW) { y[yb + ow0 + 3u * p.DW] = activate(a3); }
  if (ow0 + 4u * p.DW < p.OW) { y[yb + ow0 + 4u * p.DW] = activate(a4); }
  if (ow0 + 5u * p.DW < p.OW) { y[yb + ow0 + 5u * p.DW] = activate(a5); }
  if (ow0 + 6u * p.DW < p.OW) { y[yb + ow0 + 6u * p.DW] = activate(a6); }
  if (ow0 + 7u * p.DW < p.OW) { y[yb + ow0 + 7u * p.DW] = activate(a7); }
}
