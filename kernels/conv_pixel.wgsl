// Convolution for GPUs: one invocation computes one output pixel of one block of 4 output channels,
// y[channel][pixel] = sum_k w[channel][k] * x[patch(pixel, k)], k = (kh, kw, input channel of the group).
//
// conv_gemm.wgsl is written for software adapters (few fat invocations with big register blocks);
// on a GPU its 32 accumulators, subgroup broadcasts and 32-way epilogue make the pipeline slow to
// compile (~250 ms on an NVIDIA driver, the largest part of a cold start) and give few workgroups
// to convs with few pixels (squeeze-excite 1x1s, heads at 1/16 scale). Here the register block is
// one vec4 and the epilogue one vec4: the pipeline compiles like a small kernel, and every
// (pixel, channel block) is an invocation, so even a 1-pixel conv spreads over M / 4 of them.
// Neighbouring invocations take neighbouring pixels of the same channel block: their x reads are
// adjacent and their weight reads the same address.
//
// Same Params, bindings and packing as conv_gemm.wgsl (one lowering feeds both), with CBK — the
// channel blocks per packed tile — a uniform here: weights [group][tile][kh][kw][input channel]
// [4 * CBK], bias [rate][group][tile][4 * CBK]; block b of tile t is channels 4 (t CBK + b) ...
// Rates, SUM, RES, the concat slice (C0, YC), the input slice (CX, CX0) and the ConvTranspose
// phase grid (OY0, OX0, OSY, OSX) mean what they mean there, and so does FEAT: the features
// compiled in (the union of what the model's convs use), with the code of each in a `// #if` region
// the host drops when the pipeline's FEAT leaves it out (specialize.ts).

override WG: u32 = 64u;
// Feature bits (all on by default): RATES (R > 1, SUM), RESIDUAL (RES), then one bit per activation
// code 1..7 (bit 1 + code).
override FEAT: u32 = 0xffffffffu;
const F_RATES: u32 = 1u;
const F_RESIDUAL: u32 = 2u;
// Most rates one dispatch runs (the size of Params.rates / 3).
const MAX_RATES: u32 = 8u;

struct Params {
  N: u32, C: u32, H: u32, W: u32,
  M: u32, OH: u32, OW: u32, KH: u32,
  KW: u32, SH: u32, SW: u32, groups: u32,
  CG: u32, MG: u32, K: u32, P: u32,
  tilesP: u32, tilesM: u32, OHF: u32, OWF: u32,
  OY0: u32, OX0: u32, OSY: u32, OSX: u32,
  R: u32, YC: u32, CX: u32, CX0: u32,
  // RES: residual add, 0 none, 1 y = act(conv) + res, 2 y = act(conv + res). CBK: blocks per tile.
  SUM: u32, RES: u32, CBK: u32, _p2: u32,
  // Per rate three vec4s: (DH, DW, PT, PL) as i32 bits, (C0, act, a0, a1 as f32 bits) and
  // (KH, KW, K, WOFF). Activation: 0 none, 1 Relu, 2 Clip, 3 Sigmoid, 4 HardSigmoid, 5 HardSwish,
  // 6 Tanh, 7 LeakyRelu, with parameters a0, a1.
  rates: array<vec4<u32>, 24>,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> bias: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;
// The residual (RES > 0); convs without one bind x here.
@group(0) @binding(5) var<storage, read> res: array<f32>;

// The activations of FEAT only: the regions of the others are dropped (their codes then return v).
fn activate(v: vec4<f32>, act: u32, a0: f32, a1: f32) -> vec4<f32> {
  switch act {
    // #if FEAT & 4
    case 1u: { return max(v, vec4<f32>(0.0)); }
    // #endif
    // #if FEAT & 8
    case 2u: { return min(max(v, vec4<f32>(a0)), vec4<f32>(a1)); }
    // #endif
    // #if FEAT & 16
    case 3u: { return 1.0 / (1.0 + exp(-v)); }
    // #endif
    // #if FEAT & 32
    case 4u: { return clamp(a0 * v + a1, vec4<f32>(0.0), vec4<f32>(1.0)); }
    // #endif
    // #if FEAT & 64
    case 5u: { return v * clamp(v / 6.0 + 0.5, vec4<f32>(0.0), vec4<f32>(1.0)); }
    // #endif
    // #if FEAT & 128
    // Tanh as 2 sigmoid(2v) - 1: finite for any v (tanh's exp form overflows on some drivers).
    case 6u: { return 2.0 / (1.0 + exp(-2.0 * v)) - 1.0; }
    // #endif
    // #if FEAT & 256
    case 7u: { return select(a0 * v, v, v >= vec4<f32>(0.0)); }
    // #endif
    default: { return v; }
  }
}

@compute @workgroup_size(WG)
fn main(
  @builtin(workgroup_id) wg: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let blocks = p.tilesM * p.CBK;
  let perRate = p.P * blocks * p.groups;
  // res stays in the pipeline's layout where the residual code is dropped: the host binds it always.
  _ = &res;
  // Without F_RATES: one rate (R = 1), no sum.
  let rated = (FEAT & F_RATES) != 0u;
  let summed = rated && p.SUM != 0u;
  let id = (wg.x + wg.y * nwg.x) * WG + lid;
  if (id >= perRate * select(1u, select(p.R, 1u, summed), rated)) { return; }
  let rate = select(0u, min(id / perRate, MAX_RATES - 1u), rated);
  let i = id % perRate;
  let pix = i % p.P;
  let blk = (i / p.P) % blocks;
  let g = i / (p.P * blocks);
  // First channel of the block within its group; blocks past the group's channels are padding.
  let mc = 4u * blk;
  if (mc >= p.MG) { return; }
  let tm = blk / p.CBK;

  let plane = p.OH * p.OW;
  let n = pix / plane;
  let r = pix % plane;
  let oh0 = i32(r / p.OW * p.SH);
  let ow0 = i32(r % p.OW * p.SW);
  let xn = i32((n * p.CX + p.CX0 + g * p.CG) * p.H * p.W);
  let chw = i32(p.H * p.W);
  var acc = vec4<f32>(0.0);
  var ri = rate;
  // #if FEAT & 1
  // Without F_RATES the region drops the loop.
  loop {
  // #endif
  {
    let geo = bitcast<vec4<i32>>(p.rates[3u * ri]);
    let ker = p.rates[3u * ri + 2u];
    let ih0 = oh0 - geo.z;
    let iw0 = ow0 - geo.w;
    // This block's vec4 of the first tap; the next tap (or input channel) is CBK vec4s on.
    var wi = ker.w / 4u + (g * p.tilesM + tm) * ker.z * p.CBK + blk % p.CBK;
    for (var kh = 0u; kh < ker.x; kh++) {
      let ih = ih0 + i32(kh) * geo.x;
      for (var kw = 0u; kw < ker.y; kw++) {
        let iw = iw0 + i32(kw) * geo.y;
        if (u32(ih) < p.H && u32(iw) < p.W) {
          var at = xn + ih * i32(p.W) + iw;
          for (var ic = 0u; ic < p.CG; ic++) {
            acc += x[at] * w[wi];
            at += chw;
            wi += p.CBK;
          }
        } else {
          wi += p.CG * p.CBK;
        }
      }
    }
  }
  // #if FEAT & 1
  ri++;
  if (!summed || ri >= p.R) { break; }
  }
  // #endif

  let epi = p.rates[3u * rate + 1u];
  let fplane = p.OHF * p.OWF;
  let q = (p.OY0 + r / p.OW * p.OSY) * p.OWF + p.OX0 + r % p.OW * p.OSX;
  let ch = g * p.MG + mc;
  // Channels mc + 1..3 may be past the group's end (the block's first one is not).
  let live = vec3<bool>(mc + 1u < p.MG, mc + 2u < p.MG, mc + 3u < p.MG);
  var o = acc + bias[(rate * p.groups + g) * blocks + blk];
  var rv = vec4<f32>(0.0);
  // #if FEAT & 2
  if ((FEAT & F_RESIDUAL) != 0u && p.RES != 0u) {
    let ra = q + (n * p.M + ch) * fplane;
    rv.x = res[ra];
    if (live.x) { rv.y = res[ra + fplane]; }
    if (live.y) { rv.z = res[ra + 2u * fplane]; }
    if (live.z) { rv.w = res[ra + 3u * fplane]; }
  }
  // #endif
  o = activate(o + select(vec4<f32>(0.0), rv, p.RES == 2u), epi.y, bitcast<f32>(epi.z), bitcast<f32>(epi.w));
  o += select(vec4<f32>(0.0), rv, p.RES == 1u);
  let at = q + (n * p.YC + epi.x + ch) * fplane;
  y[at] = o.x;
  if (live.x) { y[at + fplane] = o.y; }
  if (live.y) { y[at + 2u * fplane] = o.z; }
  if (live.z) { y[at + 3u * fplane] = o.w; }
}
