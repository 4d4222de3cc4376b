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
 * Per-value layouts (layout.ts): a graph input no reader wants channels-last stays row-major, a
 * Resize writes row-major for graph outputs (resizeNchw) and channels-last for a Conv
 * (resizeNhwc). Every case: WASM vs the ref backend, the kernel that ran (from the threads'
 * region counts at 2 threads), and 1 vs 2 threads bit-identical.
 */
async function check(graph: Graph, dims: number[], label: string, kernels: string[], absent: string[] = []) {
  const feeds = { x: randomInput(new Rng(5), dims) };
  const ref = await Session.create(graph, { backend: 'ref', optimize: false });
  const want = await ref.run(feeds);
  const two = await runWasm(graph, feeds, 2);
  for (const k of kernels) expect(two.regions.get(k) ?? 0, `${label}: ${k} ran`).toBeGreaterThan(0);
  for (const k of absent) expect(two.regions.get(k) ?? 0, `${label}: ${k} did not run`).toBe(0);
  for (const [name, t] of Object.entries(want)) {
    expectClose(two.outputs.get(name) as Tensor, t, { atol: 1e-5, rtol: 1e-4 }, `${label} ${name}`);
  }
  await expectThreadsIdentical(graph, feeds, label, 2, kernels);
}

type Attrs = Record<string, number | number[] | string>;

function resizeGraph(dims: number[], attrs: Attrs, target: (b: GraphBuilder) => string[], after = '') {
  const b = new GraphBuilder('resize', { seed: 3 });
  const x = b.input('x', dims);
  let y = b.op('Resize', [x, ...target(b)], attrs);
  if (after === 'Conv')
    y = b.op('Conv', [y, b.param('w', [4, dims[1] as number, 3, 3])], { pads: [1, 1, 1, 1] });
  if (after === 'Relu') y = b.op('Relu', [y]);
  b.output(y);
  return b.build();
}

const sizes = (out: number[]) => (b: GraphBuilder) => ['', '', b.ints('sizes', out)];
const scales = (s: number[]) => (b: GraphBuilder) => ['', b.param('scales', [4], s)];

describe('WASM layouts per value', () => {
  it('channelsLastReaders looks through layout-following ops to the readers that need NHWC', () => {
    const b = new GraphBuilder('layouts', { seed: 1 });
    const x = b.input('x', [1, 4, 6, 6]);
    const r = b.op('Relu', [x]);
    const up = b.op('Resize', [r, '', '', b.ints('sizes', [1, 4, 12, 12])], { mode: 'linear' });
    const s = b.op('Sigmoid', [up]);
    const c = b.op('Conv', [r, b.param('w', [4, 4, 1, 1])]);
    b.output(s, c);
    const wants = channelsLastReaders(b.build());
    expect([x, r, up, s, c].map(wants)).toEqual([true, true, false, false, false]);
  });
  it('a lone Resize runs row-major (no layout change), every mode, ragged widths, batch 2', async () => {
    const modes: Attrs[] = [
      { mode: 'linear', coordinate_transformation_mode: 'half_pixel' },
      { mode: 'linear', coordinate_transformation_mode: 'align_corners' },
      { mode: 'linear', coordinate_transformation_mode: 'asymmetric' },
      { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' },
      { mode: 'nearest' },
    ];
    for (const m of modes) {
      const label = JSON.stringify(m);
      await check(
        resizeGraph([2, 3, 5, 6], m, sizes([2, 3, 17, 23])),
        [2, 3, 5, 6],
        `up ${label}`,
        ['resizeNchw'],
        ['copyStrided', 'resizeNhwc'],
      );
      await check(
        resizeGraph([1, 4, 12, 11], m, scales([1, 1, 0.5, 0.75])),
        [1, 4, 12, 11],
        `down ${label}`,
        ['resizeNchw'],
        ['copyStrided', 'resizeNhwc'],
      );
    }
  });
  it('Resize then Relu stays row-major; Resize then Conv runs channels-last', async () => {
    const lin = { mode: 'linear', coordinate_transformation_mode: 'half_pixel' };
    await check(resizeGraph([1, 5, 6, 7], lin, sizes([1, 5, 24, 28]), 'Relu'), [1, 5, 6, 7], 'resize relu', [
      'resizeNchw',
      'unary',
    ]);
    await check(resizeGraph([1, 5, 6, 7], lin, sizes([1, 5, 12, 14]), 'Conv'), [1, 5, 6, 7], 'resize conv', [
      'resizeNhwc',
    ]);
  });
  it('channels-last Resize (before a Conv): every mode, down and up, batch 2, odd channels', async () => {
    for (const m of [
      { mode: 'nearest' },
      { mode: 'linear', coordinate_transformation_mode: 'align_corners' },
    ] as Attrs[]) {
      const label = JSON.stringify(m);
      await check(
        resizeGraph([2, 3, 9, 7], m, scales([1, 1, 0.5, 0.7]), 'Conv'),
        [2, 3, 9, 7],
        `down ${label}`,
        ['resizeNhwc'],
      );
      await check(resizeGraph([2, 7, 4, 5], m, sizes([2, 7, 13, 11]), 'Conv'), [2, 7, 4, 5], `up ${label}`, [
        'resizeNhwc',
      ]);
    }
  });
  it('Conv then Resize to the output: the small conv output is relaid, the resize is row-major', async () => {
    const b = new GraphBuilder('conv-resize', { seed: 4 });
    const x = b.input('x', [1, 6, 9, 10]);
    const c = b.op('Conv', [x, b.param('w', [8, 6, 3, 3])], { pads: [1, 1, 1, 1] });
    const lin = { mode: 'linear', coordinate_transformation_mode: 'half_pixel' };
    b.output(b.op('Resize', [c, '', '', b.ints('sizes', [1, 8, 36, 40])], lin));
    await check(b.build(), [1, 6, 9, 10], 'conv resize', ['resizeNchw'], ['resizeNhwc']);
  });
  it('NCHW <-> NHWC transposes with ragged edges, both stride orders', async () => {
    for (const dims of [
      [1, 13, 10, 9],
      [2, 5, 16, 17],
      [1, 70, 3, 6],
    ]) {
      for (const perm of [
        [0, 2, 3, 1],
        [0, 3, 1, 2],
      ]) {
        const b = new GraphBuilder('transpose', { seed: 2 });
        const x = b.input('x', dims);
        b.output(b.op('Transpose', [x], { perm }));
        const label = `transpose [${dims}] perm [${perm}]`;
        await check(b.build(), dims, label, ['copyStrided']);
      }
    }
  });
});
