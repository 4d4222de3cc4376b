// Direct 2-D convolution, NCHW, any kernel/stride/dilation/pads/groups, fused bias + activation.
// Each invocation computes CB blocks of 4 output channels x OWB = 4 adjacent output columns:
// software adapters reward few, fat invocations. Weights are packed on the host as
// [group][channel block][cin/group][kh][kw] -> vec4 (4 output channels, zero padded).

override WG: u32 = 64u;
// 0 none, 1 Relu, 2 Clip, 3 Sigmoid, 4 HardSigmoid, 5 HardSwish, 6 Tanh, 7 LeakyRelu
override ACT: u32 = 0u;
const OWB: u32 = 4u;
// Blocks of 4 output channels per invocation: 1, 2 or 4 (the host picks by channel count).
override CB: u32 = 4u;

struct Params {
  count: u32, N: u32, C: u32, H: u32,
  W: u32, M: u32, OH: u32, OW: u32,
  KH: u32, KW: u32, SH: u32, SW: u32,
  DH: u32, DW: u32, PT: i32, PL: i32,
  groups: u32, CG: u32, MG: u32, NB: u32,
  OWQ: u32, a0: f32, a1: f32, _pad: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> bias: array<vec4<f32>>;
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

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= p.count) { return; }
  let owq = i % p.OWQ;
  var t = i / p.OWQ;
  let oh = t % p.OH;
  t = t / p.OH;
  // CB blocks of 4 output channels per invocation; they never straddle a group. Blocks past the
  // group's last one repeat it (computed, never written). CB is an override: unused blocks fold away.
  let quads = (p.NB + CB - 1u) / CB;
  let q = t % (p.groups * quads);
  let n = t / (p.groups * quads);
  let g = q / quads;
  let b0 = (q % quads) * CB;
  let last = p.NB - 1u;
  let taps = p.CG * p.KH * p.KW;
  let w0 = (g * p.NB + b0) * taps;
  let w1 = (g * p.NB + min(b0 + 1u, last)) * taps;
  let w2 = (g * p.NB + min(b0 + 2u, last)) * taps;
  let w3 = (g * p.NB + min(b0 + 3u, last)) * taps;
  // acc_k[j]: output column ow0 + j, channels 4 (b0 + k) .. 4 (b0 + k) + 3.
  var acc0: array<vec4<f32>, 4>;
  var acc1: array<vec4<f32>, 4>;
  var acc2: array<vec4<f32>, 4>;
  var acc3: array<vec4<f32>, 4>;
  let ow0 = owq * OWB;
  let ih0 = i32(oh * p.SH) - p.PT;
  var s = 0u;
  for (var ic = 0u; ic < p.CG; ic++) {
    let plane = (n * p.C + g * p.CG + ic) * p.H;
    for (var kh = 0u; kh < p.KH; kh++) {
      let ih = ih0 + i32(kh * p.DH);
      if (ih < 0 || ih >= i32(p.H)) {
        s += p.KW;
        continue;
      }
      let row = (plane + u32(ih)) * p.W;
      for (var kw = 0u; kw < p.KW; kw++) {
        let k0 = w[w0 + s];
        var k1: vec4<f32>;
        var k2: vec4<f32>;
        var k3: vec4<f32>;
        if (CB >= 2u) { k1 = w[w1 + s]; }
        if (CB >= 4u) {
          k2 = w[w2 + s];
          k3 = w[w3 + s];
        }
        s += 1u;
        let iw0 = i32(ow0 * p.SW + kw * p.DW) - p.PL;
        for (var j = 0u; j < OWB; j++) {
          let iw = iw0 + i32(j * p.SW);
          // Branch-free: out-of-range columns read a clamped address and count as 0.
          let v = select(0.0, x[row + u32(clamp(iw, 0, i32(p.W) - 1))], iw >= 0 && iw < i32(p.W));
          acc0[j] += v * k0;
          if (CB >= 2u) { acc1[j] += v * k1; }
          if (CB >= 4u) {
            acc2[j] += v * k2;
            acc3[j] += v * k3;
          }
        }
      }
    }
  }
  for (var k = 0u; k < CB; k++) {
    let blk = b0 + k;
    if (blk > last) { break; }
    let bv = bias[g * p.NB + blk];
    for (var c = 0u; c < 4u; c++) {
      let mc = blk * 4u + c;
      if (mc >= p.MG) { break; }
      let base = ((n * p.M + g * p.MG + mc) * p.OH + oh) * p.OW;
      for (var j = 0u; j < OWB; j++) {
        if (ow0 + j >= p.OW) { break; }
        var a = acc0[j];
        if (k == 1u) { a = acc1[j]; }
        if (k == 2u) { a = acc2[j]; }
        if (k == 3u) { a = acc3[j]; }
        y[base + ow0 + j] = activate(a[c] + bv[c]);
      }
    }
  }
}
