import { describe, expect, it } from 'vitest';
import type { Axis2d } from '../../src/engine/backends/ref/kernels/conv.js';
import { lineAxis } from '../../src/engine/backends/wasm/winograd-line.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import { expectWasmMatchesRef, Rng, randomInput } from './ref-oracle.js';
import { expectThreadsIdentical } from './threads-helpers.js';

/**
 * k×1 / 1×k (and 1-D) convs by 1-D Winograd F(4, 3) over 3-tap kernel segments
 * (assembly/winograd_line.ts) against the ref backend: kernels not a multiple of 3 or longer than
 * the map, asymmetric pads, channels not divisible by 4 or 8, batches, fused activations.
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

describe('WASM k×1 / 1×k convs by 1-D Winograd F(4, 3) segments', () => {
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
});
