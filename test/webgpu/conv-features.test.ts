import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  activationFeature,
  FEATURE_RATES,
  FEATURE_RESIDUAL,
  scanConvFeatures,
} from '../../src/engine/backends/webgpu/conv-features.js';
import { tuning } from '../../src/engine/backends/webgpu/index.js';
import { Session } from '../../src/engine/session.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import type { Attrs } from '../../src/graph/ir.js';
import { optimizeGraph } from '../../src/graph/passes/index.js';
import { conv, gcnGraph, ksacGraph, ksacSumGraph, residualGraph } from './conv-graphs.js';
import { expectMatchesRef, webgpuSkipReason } from './helpers.js';

/**
 * scanConvFeatures: the conv_gemm features (FEAT) a graph's convs can use once the webgpu conv
 * fusions have run, from a scan before them. expectMatchesRef checks, in every webgpu test, that
 * every conv_gemm step of a session asked for exactly that FEAT (the scan missed nothing).
 */
const RELU = activationFeature(1);
const SIGMOID = activationFeature(3);
const LEAKY = activationFeature(7);

function plain(act?: 'Relu' | 'Sigmoid') {
  const b = new GraphBuilder('plain', { seed: 2 });
  const y = conv(b, b.input('x', [1, 5, 9, 7]), 'c', [6, 5, 3, 3], { pads: [1, 1, 1, 1] });
  b.output(act ? b.op(act, [y]) : y);
  return b.build();
}

describe('scanConvFeatures', () => {
  it('a plain conv uses none; a fused activation its own bit', () => {
    expect(scanConvFeatures(plain())).toBe(0);
    expect(activationFeature(0)).toBe(0);
    expect(scanConvFeatures(optimizeGraph(plain('Relu')))).toBe(RELU);
    expect(scanConvFeatures(optimizeGraph(plain('Sigmoid')))).toBe(SIGMOID);
  });

  it('an activation left as a node counts only where a residual or sum fusion can take it (after an Add)', () => {
    // Sigmoid not fused (no passes): it reads the conv, not an Add, so no conv epilogue runs it.
    expect(scanConvFeatures(plain('Sigmoid'))).toBe(0);
    expect(scanConvFeatures(residualGraph(false, true, false))).toBe(FEATURE_RESIDUAL | RELU);
    expect(scanConvFeatures(residualGraph(true, false, true))).toBe(FEATURE_RESIDUAL | LEAKY);
  });

  it('rates where two convs read one x (KSAC, GCN), with the sums and residuals of their blocks', () => {
    expect(scanConvFeatures(ksacGraph(4, 6, [8, 7]))).toBe(FEATURE_RATES | RELU | activationFeature(2));
    expect(scanConvFeatures(gcnGraph(1))).toBe(FEATURE_RATES | FEATURE_RESIDUAL);
    expect(scanConvFeatures(ksacSumGraph(1))).toBe(FEATURE_RATES | FEATURE_RESIDUAL | RELU);
  });

  it('no rates where the convs of one x differ in channels, group or strides (LR-ASPP: 40 → 120 and 40 → 21)', () => {
    const twoConvs = (a: number[], b: number[], at: Attrs = {}, dynamic = false) => {
      const g = new GraphBuilder('two', { seed: 4 });
      const x = g.input('x', [1, 4, 9, 7]);
      const w = dynamic ? g.input('w', b) : g.param('wb', b);
      g.output(conv(g, x, 'a', a), g.op('Conv', [x, w], at));
      return scanConvFeatures(g.build());
    };
    expect(twoConvs([6, 4, 1, 1], [3, 4, 1, 1])).toBe(0);
    expect(twoConvs([6, 4, 3, 3], [6, 4, 1, 1])).toBe(FEATURE_RATES);
    expect(twoConvs([4, 4, 3, 3], [4, 2, 3, 3], { group: 2 })).toBe(0);
    expect(twoConvs([6, 4, 1, 1], [6, 4, 1, 1], { strides: [2, 2] })).toBe(0);
    expect(twoConvs([6, 4, 1, 1], [6, 4, 1, 1], { strides: [1, 1] })).toBe(FEATURE_RATES);
    // A weight that is not an initializer could be any shape.
    expect(twoConvs([6, 4, 1, 1], [3, 4, 1, 1], {}, true)).toBe(FEATURE_RATES);
  });
});

const skip = await webgpuSkipReason();

describe.skipIf(skip !== undefined)('conv_gemm specialised to FEAT on webgpu', () => {
  beforeAll(() => {
    tuning.software = true;
  });
  afterAll(() => {
    tuning.software = undefined;
  });

  it('a plain conv compiles conv_gemm without feature code and matches ref; a Sigmoid brings its exp in', async () => {
    for (const [graph, exp] of [
      [plain(), false],
      [optimizeGraph(plain('Sigmoid')), true],
    ] as const) {
      const uses = await expectMatchesRef(graph, { atol: 1e-4, rtol: 1e-4 }, 3);
      expect(uses.map((u) => u.overrides.FEAT)).toEqual([exp ? SIGMOID : 0]);
      const s = await Session.create(graph, { backend: 'webgpu', optimize: false });
      try {
        const dump = s.shaders();
        const text = dump?.files.get(dump.uses[0]?.file ?? '') ?? '';
        expect(text).toContain('fn main(');
        expect(text.includes('exp(')).toBe(exp);
        expect(text).not.toContain('residual(ch, ra)');
      } finally {
        s.release();
      }
    }
  });
});
