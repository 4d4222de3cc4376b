import { AtrousError } from '../../../../errors.js';
import type { Node } from '../../../../graph/ir.js';
import { activationFeature, FEATURE_RATES, FEATURE_RESIDUAL } from '../conv-features.js';
import { type DispatchStep, type LowerContext, WG } from '../types.js';
import { Uniforms } from '../uniforms.js';
import { fusedAct } from './common.js';

/** Output channels per group as conv_gemm.wgsl sees them: CBK blocks of 4 per workgroup. */
export function gemmBlocks(mg: number): number {
  const nb = Math.ceil(mg / 4);
  return nb >= 8 ? 8 : nb >= 4 ? 4 : nb >= 2 ? 2 : 1;
}

/** Weights and bias packed for conv_gemm.wgsl, and the tiling they were packed for. */
export interface PackedGemm {
  weights: Float32Array;
  bias: Float32Array;
  mg: number;
  cg: number;
  /** Packed taps per output channel (kh * kw * input channels padded to U). */
  k: number;
  /** vec4 channel blocks per workgroup; channel tiles per group. */
  cbk: number;
  tilesM: number;
}

/** Input channels per inner iteration of conv_gemm.wgsl (its U). */
const U = 1;

/**
 * Packs w(oc, k) (output channel oc of all groups, tap k = (ic * kh + r) * kw + s) as
 * [group][channel tile][r][s][ic padded to U][4 * CBK], zero past the group's channels. `w` may be
 * the ONNX weight itself ([oc][ic][r][s], read by index: a closure call per weight was most of
 * LR-ASPP's packing time).
 */
export function packGemm(
  m: number,
  group: number,
  cg: number,
  kh: number,
  kw: number,
  w: Float32Array | ((oc: number, k: number) => number),
  b: (oc: number) => number,
): PackedGemm {
  const mg = m / group;
  const cbk = gemmBlocks(mg);
  const tc = 4 * cbk;
  const tilesM = Math.ceil(mg / tc);
  const cgp = Math.ceil(cg / U) * U;
  const k = kh * kw * cgp;
  const weights = new Float32Array(group * tilesM * k * tc);
  const taps = kh * kw;
  for (let oc = 0; oc < m; oc++) {
    const g = Math.floor(oc / mg);
    const tile = g * tilesM + Math.floor((oc % mg) / tc);
    const lane = (oc % mg) % tc;
    const into = tile * k * tc + lane;
    if (typeof w === 'function') {
      for (let ic = 0; ic < cg; ic++) {
        for (let t = 0; t < taps; t++) weights[into + (t * cgp + ic) * tc] = w(oc, ic * taps + t);
      }
      continue;
    }
    for (let ic = 0, src = oc * cg * taps; ic < cg; ic++) {
      for (let t = 0, dst = into + ic * tc; t < taps; t++, src++, dst += cgp * tc) {
        weights[dst] = w[src] as number;
      }
    }
  }
  return { weights, bias: packBias(m, group, cbk, tilesM, b), mg, cg, k, cbk, tilesM };
}

/** Bias b(oc) packed as [group][channel tile][4 * CBK] (the layout of PackedGemm.bias). */
function packBias(
  m: number,
  group: number,
  cbk: number,
  tilesM: number,
  b: (oc: number) => number,
): Float32Array {
  const mg = m / group;
  const tc = 4 * cbk;
  const bias = new Float32Array(group * tilesM * tc);
  for (let oc = 0; oc < m; oc++) {
    const tile = Math.floor(oc / mg) * tilesM + Math.floor((oc % mg) / tc);
    bias[tile * tc + ((oc % mg) % tc)] = b(oc);
  }
  return bias;
}

/** Most rates one conv_gemm dispatch runs (MAX_RATES in conv_gemm.wgsl). */
export const MAX_RATES = 8;

/**
 * What differs between the rates of one dispatch: kernel, dilation, pads, weights, bias, epilogue,
 * place in y. Rates share mg, cg and the tiling (cbk, tilesM) of the dispatch's `packed`.
 */
export interface GemmRate {
  kh: number;
  kw: number;
  /** Packed as PackedGemm.weights; rates passing the same array share one copy. */
  weights: Float32Array;
  /** Packed taps per output channel (PackedGemm.k). */
  k: number;
  /** Signed: ConvTranspose phases walk the input backwards. */
  dh: number;
  dw: number;
  pt: number;
  pl: number;
  /** Packed as PackedGemm.bias. */
  bias: Float32Array;
  act: { code: number; a0: number; a1: number };
  /** First channel of y this rate writes. */
  c0: number;
}

/** One conv_gemm dispatch: a conv of x (N, C, H, W) into (a strided sub-grid of) y (N, M, OHF, OWF). */
export interface GemmConv {
  node: Node;
  x: string;
  y: string;
  packed: PackedGemm;
  n: number;
  c: number;
  h: number;
  w: number;
  group: number;
  /** Output grid computed by this dispatch. */
  oh: number;
  ow: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  /** Signed: ConvTranspose phases walk the input backwards. */
  dh: number;
  dw: number;
  pt: number;
  pl: number;
  /** Where the grid lands in y: row OY0 + OSY * i, column OX0 + OSX * j of an OHF x OWF plane. */
  ohf: number;
  owf: number;
  oy0: number;
  ox0: number;
  osy: number;
  osx: number;
  /** Channels of y (default: the conv's); y may be a Concat the conv writes a slice of. */
  yc?: number;
  /** First channel of y written (default 0). */
  c0?: number;
  /** x as input channels cx0.. of a tensor with cx channels (default: all c of x). */
  cx?: number;
  cx0?: number;
  /** A tensor of the conv's output shape added in the epilogue, after or before the activation. */
  residual?: { name: string; order: 'after-act' | 'before-act' };
  /**
   * Several convs of x in one dispatch (default: the one conv above, its weights, bias and its
   * node's activation), each with its own kernel, weights, bias, activation and c0.
   */
  rates?: GemmRate[];
  /** Sum the rates into one output (the epilogue is rates[0]'s: give it the summed bias). */
  sum?: boolean;
}

/**
 * Most output pixels for which a conv runs on conv_pixel.wgsl on a software adapter too, where its
 * multiply-adds per output pixel (taps × output channels × rates) reach FEW_PIXELS_MIN_MACS.
 * conv_gemm packs a lone tile's pixels into its first invocations (PS), but an invocation still
 * owns 4 pixel slots, so at 1–4 pixels most of its work is dead: Dawn/SwiftShader GPU time, conv_gemm
 * vs conv_pixel: 960→240 1×1 at 1 pixel 3.5 vs 1.2 ms, at 4 pixels 6.3 vs 3.8, at 16 pixels 5.4 vs
 * 15.2; 128→128 3×3 at 4 pixels 1.6 vs 2.3. Small convs gain ~0.05 ms, less than the cost of
 * compiling conv_pixel too (~100 ms of cold start in Chromium; an ASPP image-pooling 64→32 1×1 at
 * one pixel: 0.09 vs 0.04 ms): they stay on conv_gemm. Squeeze-excite 1×1s (MobileNetV3: 960→240,
 * 240→960) and large image-pooling convs qualify: LR-ASPP MobileNetV3 ran 275 vs 284 ms (min of 10).
 */
export const FEW_PIXELS = 4;
export const FEW_PIXELS_MIN_MACS = 32768;

/** What picks a conv's kernel: the device's features and whether its adapter is a software one. */
export type ConvKernelChoice = Pick<
  LowerContext,
  'features' | 'software' | 'fewPixels' | 'tiered' | 'convFeatures'
>;

/**
 * Channel blocks of the tiered start-up's conv_gemm (gemmConvStep). Chromium/SwiftShader, a cold
 * 4x4 ConvTranspose 64c (4 phases), traced: CBK 1 compiled in ~70 ms and its first run took ~90;
 * CBK 2 ~82 + ~50; CBK 4 ~130 + ~48. With CBK 2 LR-ASPP's cold start went 626 → 520 ms and the
 * selfie segmenter's 427 → 365 (medians of 4, alternating; src/engine/backends/webgpu/README.md,
 * round 9). A model whose convs all have one block (≤ 4 output channels a group) now starts on CBK
 * 2 and upgrades to 1: one more compile, after the first run.
 */
export const FIRST_TIER_CBK = 2;

/**
 * The dispatch for one conv (see convStep). Tiered (a software adapter's start-up): every conv
 * first runs on conv_gemm with FIRST_TIER_CBK channel blocks (weights re-tiled up or down), one
 * pipeline for the model that compiles faster than CBK 4-8 and runs faster than CBK 1. Its
 * `upgrade`, compiled in the background after the first run, is the step it would have had:
 * conv_gemm at its own CBK, or conv_pixel for the few-pixel convs (FEW_PIXELS).
 */
export function gemmConvStep(a: GemmConv, choice: ConvKernelChoice): DispatchStep {
  const step = convStep(a, choice);
  if (!choice.tiered || !choice.software) return step;
  if (step.stem !== 'conv_pixel' && a.packed.cbk === FIRST_TIER_CBK) return step;
  const first = convStep(a.packed.cbk === FIRST_TIER_CBK ? a : reblock(a, FIRST_TIER_CBK), {
    ...choice,
    fewPixels: 0,
  });
  return { ...first, upgrade: step };
}

/** `a` with its weights and biases (every rate's) re-tiled for `cbk` channel blocks per workgroup. */
function reblock(a: GemmConv, cbk: number): GemmConv {
  const pk = a.packed;
  const tiles = Math.ceil(Math.ceil(pk.mg / 4) / cbk);
  const retiled = new Map<Float32Array, Float32Array>();
  const retile = (data: Float32Array, k: number) => {
    let out = retiled.get(data);
    if (!out) {
      out = retileBlocks(data, a.group, pk.tilesM, k, pk.cbk, tiles, cbk);
      retiled.set(data, out);
    }
    return out;
  };
  return {
    ...a,
    packed: { ...pk, weights: retile(pk.weights, pk.k), bias: retile(pk.bias, 1), cbk, tilesM: tiles },
    rates: a.rates?.map((r) => ({ ...r, weights: retile(r.weights, r.k), bias: retile(r.bias, 1) })),
  };
}

/**
 * Data packed as [group][tile][k][4 * cbk] (PackedGemm, k = 1 for a bias) re-tiled as
 * [group][tile'][k][4 * to] with `tiles` tiles of `to` blocks per group: block b of tile t' is the
 * group's block q = t' * to + b, i.e. block q % cbk of tile q / cbk (zeros past the packed blocks).
 */
export function retileBlocks(
  data: Float32Array,
  group: number,
  tilesM: number,
  k: number,
  cbk: number,
  tiles: number,
  to: number,
): Float32Array {
  const tc = 4 * cbk;
  const out = new Float32Array(group * tiles * k * 4 * to);
  for (let g = 0; g < group; g++) {
    for (let t = 0; t < tiles; t++) {
      for (let b = 0; b < to; b++) {
        const q = t * to + b;
        if (q >= tilesM * cbk) continue;
        const from = (g * tilesM + Math.floor(q / cbk)) * k * tc + (q % cbk) * 4;
        const into = (g * tiles + t) * k * 4 * to + b * 4;
        // Four floats a tap, copied by index: a subarray per copy cost ~45 ms of LR-ASPP's create.
        for (let kk = 0, src = from, dst = into; kk < k; kk++, src += tc, dst += 4 * to) {
          out[dst] = data[src] as number;
          out[dst + 1] = data[src + 1] as number;
          out[dst + 2] = data[src + 2] as number;
          out[dst + 3] = data[src + 3] as number;
        }
      }
    }
  }
  return out;
}

/**
 * The dispatch for one conv, untiered. On a software adapter: conv_gemm.wgsl where the device has subgroups,
 * else conv_gemm_nosg.wgsl, one pipeline per channel-block count (the activation and residual are
 * uniforms), except for large convs of at most `fewPixels` (FEW_PIXELS) output pixels. On a GPU,
 * and for those: conv_pixel.wgsl, one invocation per output pixel and 4 channels, one pipeline for
 * every conv (see the kernel's header for why).
 */
function convStep(a: GemmConv, choice: ConvKernelChoice): DispatchStep {
  const pk = a.packed;
  const m = pk.mg * a.group;
  const pixels = a.n * a.oh * a.ow;
  const macs = pk.k * m * (a.rates?.length ?? 1);
  const perPixel = !choice.software || (pixels <= choice.fewPixels && macs >= FEW_PIXELS_MIN_MACS);
  const tilesP = Math.ceil(pixels / (4 * WG));
  const rates = a.rates ?? [
    {
      kh: a.kh,
      kw: a.kw,
      weights: pk.weights,
      k: pk.k,
      dh: a.dh,
      dw: a.dw,
      pt: a.pt,
      pl: a.pl,
      bias: pk.bias,
      act: fusedAct(a.node),
      c0: a.c0 ?? 0,
    },
  ];
  if (rates.length < 1 || rates.length > MAX_RATES) {
    throw new AtrousError('INTERNAL', `conv_gemm runs 1 to ${MAX_RATES} rates, got ${rates.length}`);
  }
  const u = new Uniforms()
    .u(a.n, a.c, a.h, a.w, m, a.oh, a.ow, a.kh)
    .u(a.kw, a.sh, a.sw, a.group, pk.cg, pk.mg, pk.k, pixels)
    .u(tilesP, pk.tilesM, a.ohf, a.owf, a.oy0, a.ox0, a.osy, a.osx)
    .u(rates.length, a.yc ?? m, a.cx ?? a.c, a.cx0 ?? 0)
    .u(
      a.sum ? 1 : 0,
      a.residual ? (a.residual.order === 'after-act' ? 1 : 2) : 0,
      pk.cbk,
      pixelStride(pixels),
    );
  // Rates with the same weights array share one copy.
  const weights: Float32Array[] = [];
  const woff = new Map<Float32Array, number>();
  let words = 0;
  for (const r of rates) {
    if (woff.has(r.weights)) continue;
    woff.set(r.weights, words);
    weights.push(r.weights);
    words += r.weights.length;
  }
  for (const r of rates) {
    u.i(r.dh, r.dw, r.pt, r.pl).u(r.c0, r.act.code).f(r.act.a0, r.act.a1);
    u.u(r.kh, r.kw, r.k, woff.get(r.weights) as number);
  }
  // The rates array has a fixed size in the struct: bind all of it.
  for (let i = rates.length; i < MAX_RATES; i++) u.u(...new Array<number>(12).fill(0));
  const single = rates.length === 1 || a.sum === true;
  const bias = single ? (rates[0] as GemmRate).bias : concat(rates.map((r) => r.bias));
  return {
    kind: 'dispatch',
    stem: perPixel ? 'conv_pixel' : choice.features.has('subgroups') ? 'conv_gemm' : 'conv_gemm_nosg',
    // The residual and activation are uniforms: convs with and without them share the pipeline,
    // which compiles in what the model's convs use (FEAT; this conv's needs are in it unless the
    // scan missed them). conv_pixel reads CBK from the uniforms (the packing's block count);
    // conv_gemm unrolls by it.
    overrides: {
      ...(perPixel ? {} : { CBK: pk.cbk }),
      FEAT: choice.convFeatures | needs(rates, a),
    },
    uniforms: u.bytes(),
    bindings: [
      { kind: 'value', name: a.x },
      {
        kind: 'data',
        data: weights.length === 1 ? (weights[0] as Float32Array) : concat(weights),
        label: 'packed weights',
      },
      { kind: 'data', data: bias, label: 'packed bias' },
      { kind: 'value', name: a.y },
      // Without a residual the (unread) binding takes x: read-only, so it may alias binding 1.
      { kind: 'value', name: a.residual?.name ?? a.x },
    ],
    invocations:
      (perPixel ? pixels * pk.cbk : tilesP * WG) * pk.tilesM * a.group * (a.sum ? 1 : rates.length),
  };
}

/** The conv features (FEAT bits) one GemmConv dispatch uses. */
function needs(rates: readonly GemmRate[], a: GemmConv): number {
  let bits = rates.length > 1 || a.sum ? FEATURE_RATES : 0;
  if (a.residual) bits |= FEATURE_RESIDUAL;
  for (const r of rates) bits |= activationFeature(r.act.code);
  return bits;
}

/**
 * conv_gemm's PS: the stride between an invocation's 4 pixels. WG, except for a conv of one tile with
 * fewer pixels: then its pixels sit in the first PS invocations (a multiple of 4) and the others
 * return at once.
 */
function pixelStride(pixels: number): number {
  return pixels >= 4 * WG ? WG : 4 * Math.ceil(pixels / 16);
}

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
