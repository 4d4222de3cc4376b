import { describe, expect, it } from 'vitest';
import { ksacStats } from '../../src/engine/backends/wasm/fuse-ksac.js';
import { createWasmBackend } from '../../src/engine/backends/wasm/index.js';
import { parallelRegions } from '../../src/engine/backends/wasm/threads.js';
import { Session } from '../../src/engine/session.js';
import type { Tensor } from '../../src/engine/tensor.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import type { Graph } from '../../src/graph/ir.js';
import { inferShapes } from '../../src/graph/shape-inference.js';
import { PAPER_MODELS } from '../../src/zoo/papers/index.js';
import { expectClose } from '../helpers/compare.js';
import { Rng, randomInput } from './ref-oracle.js';
import { differingElements } from './threads-helpers.js';

/**
 * KSAC: convs sharing input and 3×3 weight initializer at several rates run as one fused step
 * (fuse-ksac.ts). Fused must equal unfused bit for bit (same Winograd kernel, same transformed
 * weights) and match the ref backend.
 */

interface Case {
  c: number;
  m: number;
  h: number;
  w: number;
  rates: number[];
  /** Each rate's conv, then a separate Relu node (consumers interleave with the group). */
  separateRelu?: boolean;
}

function ksacGraph({ c, m, h, w, rates, separateRelu }: Case): Graph {
  const b = new GraphBuilder('ksac', { seed: c * 7 + m });
  const x = b.input('x', [1, c, h, w]);
  const weight = b.param('shared', [m, c, 3, 3], undefined, 1 / Math.sqrt(9 * c));
  const outs = rates.map((d, i) => {
    const acts = ['', 'Relu', 'LeakyRelu', 'Clip'];
    const activation = separateRelu ? '' : (acts[i % acts.length] as string);
    const y = b.op('Conv', [x, weight, ...(i % 2 === 0 ? [b.param(`b${i}`, [m])] : [])], {
      kernel_shape: [3, 3],
      pads: [d, d, d, d],
      dilations: [d, d],
      ...(activation ? { activation } : {}),
      ...(activation === 'Clip' ? { activation_params: [-0.1, 0.2] } : {}),
      ...(activation === 'LeakyRelu' ? { activation_params: [0.1] } : {}),
    });
    return separateRelu ? b.op('Relu', [y]) : y;
  });
  b.output(...outs);
  return b.build();
}

async function runWasm(graph: Graph, x: Tensor, ksac: boolean, threads = 1) {
  const before = ksacStats.convs;
  const model = await createWasmBackend({ ksac, threads, minParallelWork: 0 }).prepare(
    graph,
    inferShapes(graph),
  );
  try {
    const outs = await model.run(
      new Map([['x', x]]),
      graph.outputs.map((o) => o.name),
    );
    return { outs, fused: ksacStats.convs - before };
  } finally {
    model.release();
  }
}

async function prepareCount(graph: Graph, ksac: boolean): Promise<number> {
  const before = ksacStats.convs;
  const model = await createWasmBackend({ ksac }).prepare(graph, inferShapes(graph));
  model.release();
  return ksacStats.convs - before;
}

const CASES: [string, Case, number][] = [
  // rates 12/18 have live outer taps on a 41×43 map; all four fuse.
  ['13→10 @41×43 rates 1/6/12/18', { c: 13, m: 10, h: 41, w: 43, rates: [1, 6, 12, 18] }, 4],
  // 18 pads past a 15×17 map (outer taps all padding): it runs pruned, the other three fuse.
  ['9→12 @15×17 rates 1/6/12/18', { c: 9, m: 12, h: 15, w: 17, rates: [1, 6, 12, 18] }, 3],
  [
    '16→8 @7×9 rates 1/2/3, separate Relu',
    { c: 16, m: 8, h: 7, w: 9, rates: [1, 2, 3], separateRelu: true },
    3,
  ],
  // 6 and 12 both pad past a 5×5 map: only rate 1 is left, nothing to fuse.
  ['8→8 @5×5 rates 1/6/12', { c: 8, m: 8, h: 5, w: 5, rates: [1, 6, 12] }, 0],
];

describe('wasm KSAC shared-kernel multi-rate conv', () => {
  for (const [label, c, fusedConvs] of CASES) {
    it(`${label}: fused = unfused bit for bit, ≈ ref, fused ${fusedConvs} convs`, async () => {
      const graph = ksacGraph(c);
      const x = randomInput(new Rng(c.c + c.h), [1, c.c, c.h, c.w]);
      const fused = await runWasm(graph, x, true);
      const plain = await runWasm(graph, x, false);
      expect(fused.fused).toBe(fusedConvs);
      expect(plain.fused).toBe(0);
      const ref = await Session.create(graph, { backend: 'ref', optimize: false });
      const want = await ref.run({ x });
      for (const o of graph.outputs) {
        const a = fused.outs.get(o.name) as Tensor;
        expect(differingElements(a, plain.outs.get(o.name) as Tensor)).toBe(0);
        expectClose(a, want[o.name] as Tensor, { atol: 1e-4, rtol: 1e-4 }, `${label} ${o.name}`);
      }
    });
  }

  it('gives the same bits on 1 and 2 threads (each rate splits by tile rows)', async () => {
    const c: Case = { c: 12, m: 16, h: 33, w: 29, rates: [1, 6, 12] };
    const graph = ksacGraph(c);
    const x = randomInput(new Rng(5), [1, c.c, c.h, c.w]);
    const one = await runWasm(graph, x, true, 1);
    const regions = [...parallelRegions()].filter(([k]) => k.startsWith('winograd')).map(([, n]) => n);
    const two = await runWasm(graph, x, true, 2);
    expect(two.fused).toBe(3);
    // The fused step's Winograd calls really ran split (a parallel region each).
    const after = [...parallelRegions()].filter(([k]) => k.startsWith('winograd')).map(([, n]) => n);
    expect(after.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(regions.reduce((a, b) => a + b, 0) + 3);
    for (const o of graph.outputs) {
      expect(differingElements(one.outs.get(o.name) as Tensor, two.outs.get(o.name) as Tensor)).toBe(0);
    }
  });

  it('does not fuse different weights, strides or pads ≠ dilation', async () => {
    const b = new GraphBuilder('nofuse', { seed: 3 });
    const x = b.input('x', [1, 8, 20, 20]);
    const w1 = b.param('w1', [8, 8, 3, 3]);
    const w2 = b.param('w2', [8, 8, 3, 3]);
    const conv = (w: string, d: number, pad: number) =>
      b.op('Conv', [x, w], { kernel_shape: [3, 3], pads: [pad, pad, pad, pad], dilations: [d, d] });
    b.output(conv(w1, 2, 2), conv(w2, 4, 4), conv(w1, 3, 1));
    expect(await prepareCount(b.build(), true)).toBe(0);
  });
});

describe('zoo KSAC on wasm', () => {
  const ksac = PAPER_MODELS.find((m) => m.name === 'ksac');
  // 6×6 feature map (96 / 16): rates 1/2/4 keep live outer taps, so the shared conv can fuse.
  const graph = ksac?.build({ width: 1 / 32, inputSize: [96, 96], classes: 3, rates: [1, 2, 4] }) as Graph;
  const x = randomInput(new Rng(11), [1, 3, 96, 96]);

  it('fuses the shared conv unoptimized (BN after it) and matches ref end to end', async () => {
    const before = ksacStats.convs;
    const wasm = await Session.create(graph, { backend: 'wasm', optimize: false });
    expect(ksacStats.convs - before).toBe(3);
    const got = await wasm.run({ input: x });
    wasm.release();
    const ref = await Session.create(graph, { backend: 'ref', optimize: false });
    const want = await ref.run({ input: x });
    const name = graph.outputs[0]?.name as string;
    expectClose(got[name] as Tensor, want[name] as Tensor, { atol: 1e-3, rtol: 1e-3 }, 'ksac zoo');
  });

  it('does not fuse once BatchNorm is folded (each rate gets its own scaled weights)', async () => {
    const before = ksacStats.convs;
    const wasm = await Session.create(graph, { backend: 'wasm' });
    expect(ksacStats.convs - before).toBe(0);
    wasm.release();
  });
});
