import { describe, expect, it } from 'vitest';
import type { Axis2d } from '../../src/engine/backends/ref/kernels/conv.js';
import { G45, lineAxis, lineSegment } from '../../src/engine/backends/wasm/winograd-line.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import { expectWasmMatchesRef, Rng, randomInput } from './ref-oracle.js';
import { expectThreadsIdentical } from './threads-helpers.js';

/**
 * k×1 / 1×k (and 1-D) convs by 1-D Winograd F(4, 3) or F(4, 5) over 3- or 5-tap kernel segments
 * (assembly/winograd_line.ts) against the ref backend: kernels not a multiple of the segment or
 * longer than the map, asymmetric pads, channels not divisible by 4 or 8, batches, lines not a
 * multiple of 4 long, fused activations. Segments per k: lineSegment (k 3, 11 → 3; others here → 5).
 */
interface Case {
  n?: number;
  c: number;
  m: number;
  dims: number[];
  k: number[];
  pads: number[];
  activation?: string;
  bias?: boolean;
}

const CASES: Case[] = [
  { c: 32, m: 21, dims: [16, 16], k: [15, 1], pads: [7, 0, 7, 0] },
  { n: 2, c: 13, m: 6, dims: [9, 11], k: [1, 15], pads: [0, 7, 0, 7], activation: 'Relu' },
  { c: 5, m: 9, dims: [7, 10], k: [4, 1], pads: [2, 0, 1, 0], bias: false },
  { c: 8, m: 4, dims: [5, 6], k: [1, 5], pads: [0, 0, 0, 3] },
  { c: 6, m: 7, dims: [3, 4], k: [1, 11], pads: [0, 9, 0, 8] },
  { c: 4, m: 12, dims: [10, 3], k: [3, 1], pads: [0, 0, 0, 0], activation: 'Sigmoid' },
  { n: 2, c: 7, m: 5, dims: [23], k: [7], pads: [3, 2] },
  // F(4, 5): k = 13 (last segment 3 taps, 2 zero), k = 10 (2 full segments), k = 9 with a batch
  // of 3 images whose lines (7 long) end mid-tile, 21 channels in and out (the bench's second conv).
  { c: 21, m: 21, dims: [32, 32], k: [1, 13], pads: [0, 6, 0, 6] },
  { c: 9, m: 17, dims: [14, 5], k: [10, 1], pads: [5, 0, 4, 0], activation: 'Relu' },
  { n: 3, c: 6, m: 8, dims: [7, 7], k: [1, 9], pads: [0, 2, 0, 6] },
];

const label = (t: Case) =>
  `${t.n ?? 1}x${t.c}->${t.m} @${t.dims.join('x')} k${t.k} p${t.pads}${t.activation ? ` ${t.activation}` : ''}`;

function build(t: Case, seed: number) {
  const b = new GraphBuilder('line', { seed });
  const dims = [t.n ?? 1, t.c, ...t.dims];
  const x = b.input('x', dims);
  const w = b.param('w', [t.m, t.c, ...t.k], undefined, 1 / Math.sqrt(t.c * t.k.reduce((p, q) => p * q)));
  const inputs = t.bias === false ? [x, w] : [x, w, b.param('b', [t.m])];
  b.output(
    b.op('Conv', inputs, {
      kernel_shape: t.k,
      pads: t.pads,
      ...(t.activation ? { activation: t.activation } : {}),
    }),
  );
  return { b, feeds: { x: randomInput(new Rng(seed + 1), dims) } };
}

const axis = (k: number, extra: Partial<Axis2d> = {}): Axis2d => ({
  inSize: 10,
  out: 10,
  k,
  stride: 1,
  dilation: 1,
  padBegin: (k - 1) >> 1,
  padEnd: k >> 1,
  ...extra,
});

const one = axis(1, { padBegin: 0, padEnd: 0 });

describe('WASM k×1 / 1×k convs by 1-D Winograd F(4, 3) / F(4, 5) segments', () => {
  it('takes 5-tap segments where they cost fewer GEMM rows (8 per 5 taps vs 6 per 3)', () => {
    const rows = (k: number) => Math.min(6 * Math.ceil(k / 3), 8 * Math.ceil(k / 5));
    expect([3, 4, 5, 7, 9, 10, 11, 13, 15, 21].map(lineSegment)).toEqual([3, 5, 5, 5, 5, 5, 3, 5, 5, 5]);
    for (let k = 3; k <= 40; k++) {
      const r = lineSegment(k);
      expect((r + 3) * Math.ceil(k / r), `k ${k}`).toBe(rows(k));
    }
  });
  it('G of F(4, 5) with the kernel B^T and A^T computes 4 outputs of a 5-tap correlation exactly', () => {
    type Eight = [number, number, number, number, number, number, number, number];
    // The transforms of assembly/winograd_line.ts (bt8v and the R = 5 output transform), in doubles.
    const bt = (d: number[]) => {
      const [d0, d1, d2, d3, d4, d5, d6, d7] = d as Eight;
      const a1 = d1 + d5 - 4.25 * d3;
      const b1 = d2 + d6 - 4.25 * d4;
      const a2 = 0.5 * d1 - 2.5 * d3 + 2 * d5;
      const b2 = 0.25 * d2 - 1.25 * d4 + d6;
      const a3 = 2 * d1 - 2.5 * d3 + 0.5 * d5;
      const b3 = 4 * d2 - 5 * d4 + d6;
      return [
        d0 - d6 + 5.25 * (d4 - d2),
        a1 + b1,
        a1 - b1,
        b2 + a2,
        b2 - a2,
        b3 + a3,
        b3 - a3,
        d7 - d1 + 5.25 * (d3 - d5),
      ];
    };
    const at = (z: number[]) => {
      const [z0, z1, z2, z3, z4, z5, z6, z7] = z as Eight;
      return [
        z0 + z1 + z2 + z3 + z4 + z5 + z6,
        z1 - z2 + 2 * (z3 - z4) + 0.5 * (z5 - z6),
        z1 + z2 + 4 * (z3 + z4) + 0.25 * (z5 + z6),
        z1 - z2 + 8 * (z3 - z4) + 0.125 * (z5 - z6) + z7,
      ];
    };
    const rng = new Rng(77);
    const d = Array.from(rng.floats(8));
    const g = Array.from(rng.floats(5));
    const u = G45.map((row) => row.reduce((s, x, j) => s + x * (g[j] as number), 0));
    const v = bt(d);
    const y = at(u.map((x, i) => x * (v[i] as number)));
    const want = [0, 1, 2, 3].map((o) => g.reduce((s, x, j) => s + x * (d[o + j] as number), 0));
    for (const [o, yi] of y.entries())
      expect(Math.abs(yi - (want[o] as number)), `output ${o}`).toBeLessThan(1e-12);
  });
  it('applies to ungrouped stride-1 undilated one-axis kernels of >= 3 taps only', () => {
    expect(lineAxis(one, axis(15), 1, 32, 21)).toBe('w');
    expect(lineAxis(axis(15), one, 1, 32, 21)).toBe('h');
    expect(lineAxis(one, axis(15, { stride: 2 }), 1, 32, 21)).toBeUndefined();
    expect(lineAxis(one, axis(15, { dilation: 2 }), 1, 32, 21)).toBeUndefined();
    expect(lineAxis(one, axis(15), 2, 32, 22)).toBeUndefined();
    expect(lineAxis(one, axis(2), 1, 32, 21)).toBeUndefined();
    expect(lineAxis(axis(3), axis(3), 1, 32, 21)).toBeUndefined();
    expect(lineAxis(one, axis(15), 1, 32, 3)).toBeUndefined();
  });
  CASES.forEach((t, i) => {
    it(`matches ref: ${label(t)}`, async () => {
      const { b, feeds } = build(t, 900 + i);
      await expectWasmMatchesRef(b, feeds, label(t), 2e-5);
    });
  });
  it('splits tiles across threads with bit-identical results', async () => {
    const t: Case = { n: 2, c: 12, m: 21, dims: [23, 21], k: [15, 1], pads: [7, 0, 7, 0] };
    const { b, feeds } = build(t, 950);
    await expectThreadsIdentical(b.build(), feeds, 'line winograd', 2, ['winogradLineNhwc']);
  });
  it('splits F(4, 3) tiles (k 11) across threads with bit-identical results', async () => {
    const t: Case = { c: 10, m: 9, dims: [19, 26], k: [1, 11], pads: [0, 5, 0, 5] };
    const { b, feeds } = build(t, 951);
    await expectThreadsIdentical(b.build(), feeds, 'line winograd k11', 2, ['winogradLineNhwc']);
  });
});
