import { describe, expect, it } from 'vitest';
import {
  type TransposeGeometry,
  winogradTransposeApplies,
} from '../../src/engine/backends/wasm/winograd-transpose.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import { expectWasmMatchesRef, Rng, randomInput } from './ref-oracle.js';
import { expectThreadsIdentical } from './threads-helpers.js';

/**
 * ConvTranspose as Winograd F(3×3, 2×2) over the sub-pixel phases (assembly/winograd_transpose.ts)
 * against the ref backend: channels not divisible by 4 or 8, odd maps, unequal strides, kernels
 * shorter than 2 × stride, pads, output_padding, output_shape, batches, a fused activation.
 */
interface Case {
  n?: number;
  c: number;
  m: number;
  h: number;
  w: number;
  k: [number, number];
  stride: [number, number];
  pads?: [number, number, number, number];
  outPad?: [number, number];
  outShape?: [number, number];
  activation?: string;
}

const CASES: Case[] = [
  { c: 16, m: 16, h: 8, w: 8, k: [4, 4], stride: [2, 2], pads: [1, 1, 1, 1] },
  { n: 2, c: 9, m: 5, h: 7, w: 5, k: [4, 4], stride: [2, 2], pads: [1, 1, 1, 1], activation: 'Relu' },
  { c: 13, m: 7, h: 5, w: 6, k: [3, 3], stride: [2, 2], pads: [1, 0, 0, 1], outPad: [1, 1] },
  { c: 8, m: 10, h: 4, w: 9, k: [6, 4], stride: [3, 2], pads: [2, 1, 1, 2], outPad: [2, 0] },
  { c: 11, m: 6, h: 6, w: 5, k: [2, 2], stride: [1, 1] },
  { c: 10, m: 4, h: 3, w: 4, k: [8, 8], stride: [4, 4], pads: [2, 2, 2, 2] },
  { c: 12, m: 9, h: 5, w: 5, k: [4, 4], stride: [2, 2], outShape: [11, 12] },
  { c: 8, m: 4, h: 1, w: 1, k: [4, 4], stride: [2, 2] },
];

const label = (t: Case) =>
  `${t.n ?? 1}x${t.c}->${t.m} @${t.h}x${t.w} k${t.k} s${t.stride} p${t.pads ?? 0} op${t.outPad ?? 0}` +
  `${t.outShape ? ` os${t.outShape}` : ''}${t.activation ? ` ${t.activation}` : ''}`;

function build(t: Case, seed: number) {
  const b = new GraphBuilder('convTW', { seed });
  const dims = [t.n ?? 1, t.c, t.h, t.w];
  const x = b.input('x', dims);
  b.output(
    b.op('ConvTranspose', [x, b.param('w', [t.c, t.m, ...t.k]), b.param('b', [t.m])], {
      kernel_shape: t.k,
      strides: t.stride,
      ...(t.outShape ? { output_shape: t.outShape } : { pads: t.pads ?? [0, 0, 0, 0] }),
      output_padding: t.outPad ?? [0, 0],
      ...(t.activation ? { activation: t.activation } : {}),
    }),
  );
  return { b, feeds: { x: randomInput(new Rng(seed + 1), dims) } };
}

const geometry = (g: Partial<TransposeGeometry>): TransposeGeometry => ({
  N: 1,
  C: 16,
  M: 16,
  H: 8,
  W: 8,
  OH: 16,
  OW: 16,
  KH: 4,
  KW: 4,
  sh: 2,
  sw: 2,
  dh: 1,
  dw: 1,
  ph: 1,
  pw: 1,
  group: 1,
  ...g,
});

describe('WASM ConvTranspose by Winograd F(3×3, 2×2)', () => {
  it('applies to ungrouped, undilated deconvs with stride < kernel <= 2 × stride and >= 8 inputs only', () => {
    expect(winogradTransposeApplies(geometry({}))).toBe(true);
    expect(winogradTransposeApplies(geometry({ KH: 3, KW: 6, sw: 3 }))).toBe(true);
    expect(winogradTransposeApplies(geometry({ group: 2 }))).toBe(false);
    expect(winogradTransposeApplies(geometry({ dh: 2 }))).toBe(false);
    expect(winogradTransposeApplies(geometry({ KW: 5 }))).toBe(false);
    expect(winogradTransposeApplies(geometry({ KH: 2, KW: 2 }))).toBe(false);
    expect(winogradTransposeApplies(geometry({ C: 4 }))).toBe(false);
    expect(winogradTransposeApplies(geometry({ M: 21, KH: 64, KW: 64, sh: 32, sw: 32 }))).toBe(false);
  });
  CASES.forEach((t, i) => {
    it(`matches ref: ${label(t)}`, async () => {
      const { b, feeds } = build(t, 700 + i);
      await expectWasmMatchesRef(b, feeds, label(t), 2e-5);
    });
  });
  it('splits tiles across threads with bit-identical results', async () => {
    // Large enough that the session's shared scratch holds two threads' tiles.
    const t: Case = { n: 2, c: 12, m: 20, h: 17, w: 19, k: [4, 4], stride: [2, 2], pads: [1, 1, 1, 1] };
    const { b, feeds } = build(t, 800);
    await expectThreadsIdentical(b.build(), feeds, 'convT winograd', 2, ['winogradTransposeNhwc']);
  });
});
