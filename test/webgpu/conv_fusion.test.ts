import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  convFusionStats,
  disabledConvFusions,
  ignoredFeatures,
  tuning,
} from '../../src/engine/backends/webgpu/index.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import type { Graph } from '../../src/graph/ir.js';
import { conv, gcnGraph, ksacGraph, ksacSumGraph, residualGraph, unetUpGraph } from './conv-graphs.js';
import { expectMatchesRef, webgpuSkipReason } from './helpers.js';

/**
 * The webgpu conv fusions (fuse-conv.ts) against the ref backend: a residual Add (and the
 * activation after it) in the conv_gemm epilogue, Convs writing straight into their Concat slice,
 * and shared-weight convs at several rates in one dispatch. Each test also counts the dispatches
 * (one pipeline use per dispatch) to see that the fusion happened. The graphs are small, so the
 * few-pixel switch to conv_pixel is off (tuning.fewPixels = 0): the fusions run on conv_gemm.
 */
const skip = await webgpuSkipReason();
if (skip) console.warn(`webgpu tests skipped: ${skip}`);

const TOL = { atol: 2e-4, rtol: 1e-4 };

/** Runs graph on ref and webgpu (no graph passes), compares every output, returns the dispatch count. */
async function check(graph: Graph, seed: number): Promise<number> {
  return (await expectMatchesRef(graph, TOL, seed)).length;
}

describe.skipIf(skip !== undefined)('webgpu conv fusions vs ref', () => {
  beforeAll(() => {
    tuning.fewPixels = 0;
  });
  afterAll(() => {
    tuning.fewPixels = undefined;
  });
  afterEach(() => {
    ignoredFeatures.clear();
    disabledConvFusions.clear();
  });

  for (const [actOnConv, reluAfter, swap] of [
    [false, false, false],
    [false, true, true],
    [true, false, true],
    [true, true, false],
  ] as const) {
    it(`residual add ${actOnConv ? 'after' : 'before'} the activation${reluAfter ? ', Relu after the Add' : ''}`, async () => {
      const before = { ...convFusionStats };
      const dispatches = await check(residualGraph(actOnConv, reluAfter, swap), 1);
      expect(convFusionStats.residual - before.residual).toBe(1);
      // act(conv) + r cannot take the Relu after it: that one stays a dispatch of its own.
      const fusedRelu = reluAfter && !actOnConv;
      expect(convFusionStats.residualAct - before.residualAct).toBe(fusedRelu ? 1 : 0);
      expect(dispatches).toBe(reluAfter && actOnConv ? 2 : 1);
    });
  }

  it('residual without subgroups (conv_gemm_nosg)', async () => {
    ignoredFeatures.add('subgroups');
    expect(await check(residualGraph(false, true, false), 2)).toBe(1);
  });

  it('GCN block: first k×1 and 1×k convs in one dispatch, the last conv adds the other branch', async () => {
    disabledConvFusions.add('residual');
    disabledConvFusions.add('stack');
    expect(await check(gcnGraph(1), 3)).toBe(5);
    disabledConvFusions.delete('residual');
    expect(await check(gcnGraph(1), 3)).toBe(4);
    disabledConvFusions.clear();
    const before = convFusionStats.stacks;
    expect(await check(gcnGraph(1), 3)).toBe(3);
    expect(convFusionStats.stacks - before).toBe(1);
  });

  it('GCN block without subgroups, 2 batch items', async () => {
    ignoredFeatures.add('subgroups');
    expect(await check(gcnGraph(2), 8)).toBe(3);
  });

  it('does not stack convs whose output is also read as a residual or by a non-conv', async () => {
    const b = new GraphBuilder('nostack', { seed: 10 });
    const x = b.input('x', [1, 4, 6, 5]);
    const a = conv(b, x, 'a', [3, 4, 3, 3], { pads: [1, 1, 1, 1] });
    const c = conv(b, x, 'c', [3, 4, 1, 1]);
    // d + a fuses (a residual): then a is read by d as x and as its residual; c by e as x only,
    // so only c would qualify, alone. 4 dispatches: a, c, d (+ a), e.
    const d = conv(b, a, 'd', [3, 3, 1, 1]);
    b.output(b.op('Add', [a, d]));
    b.output(conv(b, c, 'e', [2, 3, 1, 1]));
    const before = convFusionStats.stacks;
    expect(await check(b.build(), 9)).toBe(4);
    expect(convFusionStats.stacks).toBe(before);
  });

  it('boundary refinement x + conv(relu(conv(x))) and a ConvTranspose + Add', async () => {
    const b = new GraphBuilder('br', { seed: 5 });
    const x = b.input('x', [1, 6, 5, 4]);
    const up = b.op('ConvTranspose', [x, b.param('up.w', [6, 3, 4, 4]), b.param('up.b', [3])], {
      strides: [2, 2],
      pads: [1, 1, 1, 1],
    });
    const skipIn = b.input('skip', [1, 3, 10, 8]);
    const s = b.op('Add', [skipIn, up]);
    const y = conv(b, s, 'c1', [3, 3, 3, 3], { pads: [1, 1, 1, 1], activation: 'Relu' });
    b.output(b.op('Add', [s, conv(b, y, 'c2', [3, 3, 3, 3], { pads: [1, 1, 1, 1] })]));
    const before = convFusionStats.residual;
    // ConvTranspose s2: 4 phase dispatches (each adds its pixels' residual), then the 2 convs.
    expect(await check(b.build(), 4)).toBe(6);
    expect(convFusionStats.residual - before).toBe(2);
  });

  it('does not fuse a conv output read twice or a broadcast Add', async () => {
    const b = new GraphBuilder('nofuse', { seed: 9 });
    const x = b.input('x', [1, 3, 6, 5]);
    const y = conv(b, x, 'c', [4, 3, 3, 3], { pads: [1, 1, 1, 1] });
    const bias = b.input('bias', [1, 4, 1, 1]);
    const z = conv(b, x, 'd', [4, 3, 1, 1]);
    b.output(b.op('Add', [y, bias]));
    b.output(b.op('Add', [z, z]));
    const before = convFusionStats.residual;
    expect(await check(b.build(), 5)).toBe(4);
    expect(convFusionStats.residual).toBe(before);
  });

  it('KSAC: shared 3×3 weight at 3 rates in one dispatch, written into the Concat', async () => {
    const before = { ...convFusionStats };
    // 3 rates (one dispatch) + the 1×1 (one) + copying x (one); 5 channels, 10 out (tile of 8 + 2).
    expect(await check(ksacGraph(5, 10, [9, 7]), 6)).toBe(3);
    expect(convFusionStats.rateGroups - before.rateGroups).toBe(1);
    expect(convFusionStats.intoConcat - before.intoConcat).toBe(4);
    disabledConvFusions.add('rates');
    expect(await check(ksacGraph(5, 10, [9, 7]), 6)).toBe(5);
    disabledConvFusions.add('concat');
    // Unfused: 4 convs + 5 concat copies.
    expect(await check(ksacGraph(5, 10, [9, 7]), 6)).toBe(9);
  });

  it('KSAC with BatchNorm folded per rate (distinct weights): still one dispatch', async () => {
    const b = new GraphBuilder('ksac_bn', { seed: 12 });
    const x = b.input('x', [1, 6, 7, 6]);
    const ys = [1, 3].map((r, i) =>
      b.op('Conv', [x, b.param(`w${i}`, [5, 6, 3, 3]), b.param(`b${i}`, [5])], {
        pads: [r, r, r, r],
        dilations: [r, r],
        activation: 'Relu',
      }),
    );
    b.output(b.op('Concat', ys, { axis: 1 }));
    const before = convFusionStats.rateGroups;
    expect(await check(b.build(), 14)).toBe(1);
    expect(convFusionStats.rateGroups - before).toBe(1);
  });

  it('KSAC summed: 1×1 + shared 3×3 at 3 rates + a residual, Relu: one dispatch', async () => {
    const graph = ksacSumGraph;
    const before = convFusionStats.sums;
    expect(await check(graph(1), 16)).toBe(1);
    expect(convFusionStats.sums - before).toBe(1);
    ignoredFeatures.add('subgroups');
    expect(await check(graph(2), 17)).toBe(1);
    disabledConvFusions.add('sum');
    // Without: 4 convs; the Adds fuse as residuals except the one adding r to a fused conv.
    expect(await check(graph(1), 16)).toBe(5);
  });

  it('summed rates at 8 channel blocks (40 channels: a full tile and a partial one), with and without subgroups', async () => {
    // The accumulators are carried from rate to rate in conv_gemm's local array (not registers).
    const graph = () => {
      const b = new GraphBuilder('sum_cbk8', { seed: 21 });
      const x = b.input('x', [1, 6, 9, 7]);
      let sum = conv(b, x, 'one', [40, 6, 1, 1]);
      [1, 2].forEach((d, i) => {
        const y = b.op('Conv', [x, b.param(`w${i}`, [40, 6, 3, 3]), b.param(`b${i}`, [40], undefined, 0.3)], {
          pads: [d, d, d, d],
          dilations: [d, d],
        });
        sum = b.op('Add', [sum, y]);
      });
      b.output(b.op('Relu', [sum]));
      return b.build();
    };
    const before = convFusionStats.sums;
    expect(await check(graph(), 22)).toBe(1);
    ignoredFeatures.add('subgroups');
    expect(await check(graph(), 23)).toBe(1);
    expect(convFusionStats.sums - before).toBe(2);
  });

  it('U-Net decoder: a ConvTranspose writes its phases straight into the Concat', async () => {
    const graph = unetUpGraph();
    const before = convFusionStats.intoConcat;
    // 4 phases + copying skip.
    expect(await check(graph, 19)).toBe(5);
    expect(convFusionStats.intoConcat - before).toBe(1);
  });

  it('KSAC without subgroups, 2 batch items, 3 channels out', async () => {
    ignoredFeatures.add('subgroups');
    const b = new GraphBuilder('ksac2', { seed: 13 });
    const x = b.input('x', [2, 4, 5, 6]);
    const w = b.param('shared', [3, 4, 3, 3]);
    const ys = [2, 1].map((r) => b.op('Conv', [x, w], { pads: [r, r, r, r], dilations: [r, r] }));
    b.output(b.op('Concat', ys, { axis: -3 }));
    expect(await check(b.build(), 7)).toBe(1);
  });
});
