// Depthwise 2-D convolution (one input and one output channel per group), NCHW, any kernel,
// stride, dilation and pads, fused bias + activation. Each invocation computes OWB = 4 adjacent
// output columns of one channel with scalar weights (the general conv.wgsl would fill only one
// lane of its vec4 channel blocks here).

override WG: u32 = 64u;
// Conv features compiled in (all by default); only the activation bits matter here.
override FEAT: u32 = 0xffffffffu;
const OWB: u32 = 4u;

struct Params {
  count: u32, C: u32, H: u32, W: u32,
  OH: u32, OW: u32, KH: u32, KW: u32,
  SH: u32, SW: u32, DH: u32, DW: u32,
  PT: i32, PL: i32, OWQ: u32, _pad: u32,
  // Activation (a uniform, so every depthwise conv of a model shares one pipeline, which can be
  // compiled before the graph is lowered): 0 none, 1 Relu, 2 Clip, 3 Sigmoid, 4 HardSigmoid,
  // 5 HardSwish, 6 Tanh, 7 LeakyRelu, with parameters a0, a1.
  a0: f32, a1: f32, act: u32, _p2: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;

// The activations of FEAT only (the conv features of the model, conv-gemm-features.ts: bit 1 +
// code per activation): the host drops the other cases' regions before compiling (specialize.ts).
fn activate(v: f32) -> f32 {
  // No activation bit (0x1fc: codes 1..7) at all: nothing to switch on.
  if ((FEAT & 0x1fcu) == 0u) { return v; }
  switch p.act {
    // #if FEAT & 4
    case 1u: { return max(v, 0.0); }
    // #endif
    // #if FEAT & 8
    case 2u: { return min(max(v, p.a0), p.a1); }
    // #endif
    // #if FEAT & 16
    case 3u: { return 1.0 / (1.0 + exp(-v)); }
    // #endif
    // #if FEAT & 32
    case 4u: { return clamp(p.a0 * v + p.a1, 0.0, 1.0); }
    // #endif
    // #if FEAT & 64
    case 5u: { return v * clamp(v / 6.0 + 0.5, 0.0, 1.0); }
    // #endif
    // #if FEAT & 128
    case 6u: { return tanh(clamp(v, -20.0, 20.0)); }
    // #endif
    // #if FEAT & 256
    case 7u: { return select(p.a0 * v, v, v >= 0.0); }
    // #endif
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
  let plane = t / p.OH;
  let c = plane % p.C;
  let ow0 = owq * OWB;
  let ih0 = i32(oh * p.SH) - p.PT;
  let xbase = plane * p.H * p.W;
  var acc = vec4<f32>(bias[c]);
  for (var kh = 0u; kh < p.KH; kh++) {
    let ih = ih0 + i32(kh * p.DH);
    if (ih < 0 || ih >= i32(p.H)) { continue; }
    let row = xbase + u32(ih) * p.W;
    for (var kw = 0u; kw < p.KW; kw++) {
      let k = w[(c * p.KH + kh) * p.KW + kw];
      let iw0 = i32(ow0 * p.SW + kw * p.DW) - p.PL;
      var v: vec4<f32>;
      for (var j = 0u; j < OWB; j++) {
        let iw = iw0 + i32(j * p.SW);
        // Branch-free: out-of-range columns read a clamped address and count as 0.
        v[j] = select(0.0, x[row + u32(clamp(iw, 0, i32(p.W) - 1))], iw >= 0 && iw < i32(p.W));
      }
      acc += v * k;
    }
  }
  let base = (plane * p.OH + oh) * p.OW;
  for (var j = 0u; j < OWB; j++) {
    if (ow0 + j < p.OW) { y[base + ow0 + j] = activate(acc[j]); }
  }
}
