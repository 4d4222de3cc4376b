// ConvTranspose (2-D, NCHW) as a gather, by sub-pixel phase: output row oh only meets the kernel
// taps kh with (oh + pad - kh * dilation) divisible by the stride. Those taps start at the first
// such kh and repeat every stride / gcd(stride, dilation), so no zeros are inserted and no tap is
// tested twice. 4 output channels per invocation; weights packed on the host as
// [group][block of 4 output channels][cin/group][kh][kw] -> vec4.

override WG: u32 = 64u;
// 0 none, 1 Relu, 2 Clip, 3 Sigmoid, 4 HardSigmoid, 5 HardSwish, 6 Tanh, 7 LeakyRelu
override ACT: u32 = 0u;

struct Params {
  count: u32, N: u32, C: u32, H: u32,
  W: u32, M: u32, OH: u32, OW: u32,
  KH: u32, KW: u32, SH: u32, SW: u32,
  DH: u32, DW: u32, PT: i32, PL: i32,
  groups: u32, CG: u32, MG: u32, NB: u32,
  STEPH: u32, STEPW: u32, a0: f32, a1: f32,
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

// The first tap k < K with (o + pad - k * d) divisible by s and >= 0, or K when there is none.
fn firstTap(o: i32, s: u32, d: u32, k: u32, step: u32) -> u32 {
  for (var t = 0u; t < min(k, step); t++) {
    let v = o - i32(t * d);
    if (v >= 0 && v % i32(s) == 0) { return t; }
  }
  return k;
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= p.count) { return; }
  let ow = i % p.OW;
  var t = i / p.OW;
  let oh = t % p.OH;
  t = t / p.OH;
  let blocks = p.groups * p.NB;
  let blk = t % blocks;
  let n = t / blocks;
  let g = blk / p.NB;
  let yh = i32(oh) + p.PT;
  let yw = i32(ow) + p.PL;
  let kh0 = firstTap(yh, p.SH, p.DH, p.KH, p.STEPH);
  let kw0 = firstTap(yw, p.SW, p.DW, p.KW, p.STEPW);
  var acc = bias[blk];
  for (var ic = 0u; ic < p.CG; ic++) {
    let plane = (n * p.C + g * p.CG + ic) * p.H;
    let wbase = (blk * p.CG + ic) * p.KH;
    for (var kh = kh0; kh < p.KH; kh += p.STEPH) {
      let vh = yh - i32(kh * p.DH);
      if (vh < 0) { break; }
      let ih = u32(vh) / p.SH;
      if (ih >= p.H) { continue; }
      for (var kw = kw0; kw < p.KW; kw += p.STEPW) {
        let vw = yw - i32(kw * p.DW);
        if (vw < 0) { break; }
        let iw = u32(vw) / p.SW;
        if (iw >= p.W) { continue; }
        acc += x[(plane + ih) * p.W + iw] * w[(wbase + kh) * p.KW + kw];
      }
    }
  }
  let b = blk % p.NB;
  for (var c = 0u; c < 4u; c++) {
    let mc = b * 4u + c;
    if (mc >= p.MG) { break; }
    y[((n * p.M + g * p.MG + mc) * p.OH + oh) * p.OW + ow] = activate(acc[c]);
  }
}
