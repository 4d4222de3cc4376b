import type { Node } from '../../../../graph/ir.js';
import type { DispatchStep } from '../types.js';
import { Uniforms } from '../uniforms.js';
import { fusedAct } from './common.js';

const WG = 64;

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
const U = 2;

/**
 * Packs w(oc, k) (output channel oc of all groups, tap k = (ic * kh + r) * kw + s) as
 * [group][channel tile][r][s][ic padded to U][4 * CBK], zero past the group's channels.
 */
export function packGemm(
  m: number,
  group: number,
  cg: number,
  kh: number,
  kw: number,
  w: (oc: number, k: number) => number,
  b: (oc: number) => number,
): PackedGemm {
  const mg = m / group;
  const cbk = gemmBlocks(mg);
  const tc = 4 * cbk;
  const tilesM = Math.ceil(mg / tc);
  const cgp = Math.ceil(cg / U) * U;
  const k = kh * kw * cgp;
  const weights = new Float32Array(group * tilesM * k * tc);
  const bias = new Float32Array(group * tilesM * tc);
  for (let oc = 0; oc < m; oc++) {
    const g = Math.floor(oc / mg);
    const tile = g * tilesM + Math.floor((oc % mg) / tc);
    const lane = (oc % mg) % tc;
    bias[tile * tc + lane] = b(oc);
    for (let ic = 0; ic < cg; ic++) {
      for (let t = 0; t < kh * kw; t++) {
        weights[(tile * k + t * cgp + ic) * tc + lane] = w(oc, ic * kh * kw + t);
      }
    }
  }
  return { weights, bias, mg, cg, k, cbk, tilesM };
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
}

/**
 * The dispatch for one conv: conv_gemm.wgsl where the device has subgroups, else conv_gemm_nosg.wgsl.
 * The activation is a uniform: convs share a pipeline per channel-block count.
 */
export function gemmConvStep(a: GemmConv, subgroups: boolean): DispatchStep {
  const pk = a.packed;
  const pixels = a.n * a.oh * a.ow;
  const tilesP = Math.ceil(pixels / (4 * WG));
  const act = fusedAct(a.node);
  return {
    kind: 'dispatch',
    stem: subgroups ? 'conv_gemm' : 'conv_gemm_nosg',
    overrides: { CBK: pk.cbk },
    uniforms: new Uniforms()
      .u(a.n, a.c, a.h, a.w, pk.mg * a.group, a.oh, a.ow, a.kh)
      .u(a.kw, a.sh, a.sw)
      .i(a.dh, a.dw, a.pt, a.pl)
      .u(a.group, pk.cg, pk.mg, pk.k, pixels, tilesP, pk.tilesM, a.ohf, a.owf)
      .u(a.oy0, a.ox0, a.osy, a.osx, act.code)
      .f(act.a0, act.a1)
      .u(0)
      .bytes(),
    bindings: [
      { kind: 'value', name: a.x },
      { kind: 'data', data: pk.weights, label: 'packed weights' },
      { kind: 'data', data: pk.bias, label: 'packed bias' },
      { kind: 'value', name: a.y },
    ],
    invocations: tilesP * pk.tilesM * a.group * WG,
  };
}
