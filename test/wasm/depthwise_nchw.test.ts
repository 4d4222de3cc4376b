import { describe, expect, it } from 'vitest';
import { channelsLastReaders } from '../../src/engine/backends/wasm/layout.js';
import { Session } from '../../src/engine/session.js';
import type { Tensor } from '../../src/engine/tensor.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import type { Graph } from '../../src/graph/ir.js';
import { expectClose } from '../helpers/compare.js';
import { Rng, randomInput } from './ref-oracle.js';
import { expectThreadsIdentical, runWasm } from './threads-helpers.js';

/**
 * Depthwise Conv on row-major planes (assembly/depthwise.ts, convDepthwiseNchw): a depthwise Conv
 * whose input and readers are row-major runs without transposes; one inside a channels-last chain
 * keeps convDepthwiseNhwc. Every case: WASM at 2 threads vs the ref backend (atol 1e-5 + rtol 1e-4:
 * float32 sums of at most 25 products), the kernels that ran (the threads' region counts, every
 * call split: minParallelWork 0), and 1 vs 2 threads bit-identical.
 */
async function check(
  graph: Graph,
  dims: number[],
  label: string,
  ran: string[],
  absent: string[],
  feeds: Record<string, Tensor> = { x: randomInput(new Rng(dims.reduce((a, b) => a * 31 + b, 7)), dims) },
) {
  const ref = await Session.create(graph, { backend: 'ref', optimize: false });
  const want = await ref.run(feeds);
  const two = await runWasm(graph, feeds, 2);
  for (const k of ran) expect(two.regions.get(k) ?? 0, `${label}: ${k} ran`).toBeGreaterThan(0);
  for (const k of absent) expect(two.regions.get(k) ?? 0, `${label}: ${k} did not run`).toBe(0);
  for (const [name, t] of Object.entries(want)) {
    expectClose(two.outputs.get(name) as Tensor, t, { atol: 1e-5, rtol: 1e-4 }, `${label} ${name}`);
  }
  await expectThreadsIdentical(graph, feeds, label, 2, ran);
}

interface DwCase {
  n?: number;
  c: number;
  h: number;
  w: number;
  k: [number, number];
  stride?: [number, number];
  dil?: [number, number];
  pads?: [number, number, number, number];
  act?: [string, number[]];
  bias?: boolean;
}

function dwAttrs(t: DwCase): Record<string, number | number[] | string> {
  const attrs: Record<string, number | number[] | string> = {
    kernel_shape: t.k,
    strides: t.stride ?? [1, 1],
    dilations: t.dil ?? [1, 1],
    pads: t.pads ?? [0, 0, 0, 0],
    group: t.c,
  };
  if (t.act) {
    attrs.activation = t.act[0];
    attrs.activation_params = t.act[1];
  }
  return attrs;
}

function depthwise(b: GraphBuilder, x: string, t: DwCase, id: string): string {
  const inputs = [x, b.param(`w${id}`, [t.c, 1, ...t.k])];
  if (t.bias !== false) inputs.push(b.param(`b${id}`, [t.c]));
  return b.op('Conv', inputs, dwAttrs(t));
}

const dimsOf = (t: DwCase) => [t.n ?? 2, t.c, t.h, t.w];

/**
 * Channels not divisible by 4, odd and size-1 maps, every stride / dilation / pad shape, all 8
 * activation kinds, rows taken in pairs and alone, one or several edge vectors a side.
 */
const CASES: DwCase[] = [
  { c: 5, h: 7, w: 9, k: [3, 3], dil: [2, 2], pads: [1, 1, 1, 1], act: ['Relu', []] },
  { c: 3, h: 1, w: 1, k: [3, 3], pads: [1, 1, 1, 1] },
  { c: 6, h: 1, w: 13, k: [1, 3], pads: [0, 1, 0, 1], act: ['HardSwish', []] },
  { c: 6, h: 13, w: 1, k: [3, 1], pads: [1, 0, 1, 0], bias: false },
  { c: 9, h: 12, w: 17, k: [3, 1], pads: [1, 0, 1, 0], act: ['Tanh', []] },
  { c: 7, h: 11, w: 9, k: [3, 3], stride: [2, 2], pads: [1, 1, 1, 1], act: ['Clip', [0, 6]] },
  { c: 5, h: 13, w: 37, k: [3, 3], stride: [2, 1], pads: [1, 1, 1, 1], act: ['LeakyRelu', [0.1]] },
  { c: 4, h: 9, w: 23, k: [3, 3], stride: [1, 3], dil: [2, 1], pads: [2, 0, 1, 2] },
  { c: 6, h: 10, w: 21, k: [5, 5], pads: [2, 2, 2, 2], act: ['Sigmoid', []] },
  { c: 4, h: 9, w: 30, k: [3, 3], dil: [2, 2], pads: [0, 3, 2, 1], act: ['HardSigmoid', [0.2, 0.5]] },
  { c: 10, h: 19, w: 70, k: [3, 3], dil: [2, 2], pads: [2, 2, 2, 2], act: ['HardSwish', []] },
  { c: 3, h: 8, w: 40, k: [3, 3], dil: [4, 4], pads: [1, 1, 1, 1], act: ['Relu', []] },
  { n: 1, c: 2, h: 9, w: 7, k: [5, 5], dil: [3, 3], pads: [4, 4, 4, 4] },
  { c: 3, h: 6, w: 34, k: [3, 5], stride: [2, 2], dil: [1, 2], pads: [0, 0, 1, 3], act: ['Tanh', []] },
  { c: 5, h: 7, w: 75, k: [3, 3], stride: [2, 2], pads: [1, 1, 1, 1], act: ['Relu', []] },
  { n: 1, c: 6, h: 8, w: 61, k: [3, 3], stride: [1, 2], dil: [2, 3], pads: [2, 3, 2, 0] },
  // The bench's geometry at 64 wide: 14 interior vectors (two blocks of 7) and one edge vector a side.
  { n: 1, c: 4, h: 16, w: 64, k: [3, 3], dil: [2, 2], pads: [2, 2, 2, 2] },
  // Pads of 7: two edge vectors on the left, three on the right (paired left with left first).
  { c: 3, h: 12, w: 45, k: [3, 3], dil: [3, 3], pads: [7, 7, 7, 7], act: ['Relu', []] },
  // Odd OH (9) and a top pad only: rows 0…2 lack kernel row 0, row 3 has all, so rows go in
  // pairs and alone.
  { c: 3, h: 12, w: 30, k: [3, 3], dil: [3, 2], pads: [3, 2, 0, 2], act: ['HardSwish', []] },
  // Stride 2, 50 outputs a row: interior blocks of 4 vectors plus a moved-back last one.
  { n: 1, c: 4, h: 6, w: 100, k: [3, 3], stride: [2, 2], pads: [1, 1, 1, 1], act: ['Sigmoid', []] },
];

const label = (t: DwCase) =>
  `[${dimsOf(t)}] k${t.k} s${t.stride ?? 1} d${t.dil ?? 1} p${t.pads ?? 0} ${t.act?.[0] ?? ''}${t.bias === false ? ' no bias' : ''}`;

describe('WASM depthwise Conv on row-major planes (convDepthwiseNchw)', () => {
  it('a depthwise Conv follows its readers in layout.ts', () => {
    const b = new GraphBuilder('dw-layout', { seed: 1 });
    const x = b.input('x', [1, 4, 6, 6]);
    const t: DwCase = { c: 4, h: 6, w: 6, k: [3, 3], pads: [1, 1, 1, 1] };
    const d1 = depthwise(b, x, t, '1');
    const d2 = depthwise(b, d1, t, '2');
    const pw = b.op('Conv', [d2, b.param('pw', [4, 4, 1, 1])]);
    const d3 = depthwise(b, pw, t, '3');
    b.output(d3, d1);
    const wants = channelsLastReaders(b.build());
    // x, d1 feed (through d1 → d2) a pointwise Conv; d3 is read only as a graph output.
    expect([x, d1, d2, pw, d3].map(wants)).toEqual([true, true, true, false, false]);
  });

  for (const t of CASES) {
    it(`lone depthwise, no transposes: ${label(t)}`, async () => {
      const b = new GraphBuilder('dw', { seed: t.c * 13 + t.w });
      const x = b.input('x', dimsOf(t));
      b.output(depthwise(b, x, t, ''));
      await check(
        b.build(),
        dimsOf(t),
        label(t),
        ['convDepthwiseNchw'],
        ['convDepthwiseNhwc', 'copyStrided'],
      );
    });
  }

  it('every interior width: blocks of 1…7 vectors and the even split of 8…13', async () => {
    // k3 d1 p1 over W columns: (W − 5) / 4 interior vectors (rounded down), 1…16 here, with 0…3
    // columns left for the right edge vector. One graph, one depthwise per width.
    const widths = [9, 13, 17, 22, 26, 31, 35, 38, 42, 47, 51, 55, 60, 64, 67, 70];
    const b = new GraphBuilder('dw-widths', { seed: 3 });
    const feeds: Record<string, Tensor> = {};
    for (const w of widths) {
      const t: DwCase = { n: 1, c: 2, h: 5, w, k: [3, 3], pads: [1, 1, 1, 1] };
      b.output(depthwise(b, b.input(`x${w}`, dimsOf(t)), t, `${w}`));
      feeds[`x${w}`] = randomInput(new Rng(w), dimsOf(t));
    }
    await check(b.build(), [], 'widths 9…70', ['convDepthwiseNchw'], ['convDepthwiseNhwc'], feeds);
  });

  it('depthwise → Relu → Add (layout-following readers) stays row-major', async () => {
    const t: DwCase = { c: 6, h: 9, w: 20, k: [3, 3], dil: [2, 2], pads: [2, 2, 2, 2] };
    const b = new GraphBuilder('dw-follow', { seed: 4 });
    const x = b.input('x', dimsOf(t));
    const r = b.op('Relu', [depthwise(b, x, t, '')]);
    b.output(b.op('Add', [r, x]));
    await check(
      b.build(),
      dimsOf(t),
      'dw relu add',
      ['convDepthwiseNchw'],
      ['convDepthwiseNhwc', 'copyStrided'],
    );
  });

  it('pointwise → depthwise → pointwise (MobileNet block) keeps the NHWC kernels', async () => {
    const t: DwCase = { c: 12, h: 11, w: 14, k: [3, 3], dil: [2, 2], pads: [2, 2, 2, 2], act: ['Relu', []] };
    const b = new GraphBuilder('mbv3', { seed: 5 });
    const x = b.input('x', [2, 5, 11, 14]);
    const e = b.op('Conv', [x, b.param('pe', [12, 5, 1, 1])], { activation: 'HardSwish' });
    const d = depthwise(b, e, t, '');
    b.output(b.op('Conv', [d, b.param('pp', [7, 12, 1, 1]), b.param('pb', [7])]));
    await check(
      b.build(),
      [2, 5, 11, 14],
      'pw dw pw',
      ['convDepthwiseNhwc', 'conv1x1Nhwc'],
      ['convDepthwiseNchw'],
    );
  });

  it('a depthwise read by a channels-last Conv, or reading one, runs NHWC', async () => {
    const t: DwCase = { c: 8, h: 10, w: 9, k: [3, 3], pads: [1, 1, 1, 1], act: ['Clip', [0, 6]] };
    const b = new GraphBuilder('dw-pw', { seed: 6 });
    const x = b.input('x', dimsOf(t));
    const d = depthwise(b, x, t, '');
    b.output(d, b.op('Conv', [d, b.param('pp', [3, 8, 1, 1])]));
    await check(b.build(), dimsOf(t), 'dw then pw', ['convDepthwiseNhwc'], ['convDepthwiseNchw']);
    const b2 = new GraphBuilder('pw-dw', { seed: 7 });
    const x2 = b2.input('x', dimsOf(t));
    const p = b2.op('Conv', [x2, b2.param('pp', [8, 8, 1, 1])]);
    b2.output(depthwise(b2, p, t, ''));
    await check(b2.build(), dimsOf(t), 'pw then dw', ['convDepthwiseNhwc'], ['convDepthwiseNchw']);
  });
});
