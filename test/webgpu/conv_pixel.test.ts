import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ignoredFeatures, tuning } from '../../src/engine/backends/webgpu/index.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import type { Graph } from '../../src/graph/ir.js';
import { CASES, check } from './conv-cases.js';
import { gcnGraph, ksacGraph, ksacSumGraph, residualGraph, unetUpGraph } from './conv-graphs.js';
import { expectMatchesRef, kernelStems, webgpuSkipReason } from './helpers.js';

/**
 * conv_pixel.wgsl, the conv kernel the GPU tuning picks (one output pixel × 4 channels per
 * invocation), against the ref backend on SwiftShader: the single convs conv_gemm.wgsl is tested on
 * (channel blocks past the group's end, groups, dilation, strides, 1-D, every activation,
 * ConvTranspose phases), the fused forms (residual, GCN sums, KSAC rates into a Concat, summed
 * rates, ConvTranspose phases into a Concat) and a dispatch of more than 65535 workgroups.
 */
const skip = await webgpuSkipReason();
if (skip) console.warn(`webgpu tests skipped: ${skip}`);

const TOL = { atol: 2e-4, rtol: 1e-4 };

/** Compares with ref and checks that every conv ran on conv_pixel (none on conv_gemm). */
async function checkGraph(graph: Graph, seed: number): Promise<string[]> {
  const used = kernelStems(await expectMatchesRef(graph, TOL, seed));
  expect(used).toContain('conv_pixel');
  expect(used.filter((s) => s.startsWith('conv_gemm'))).toEqual([]);
  return used;
}

describe.skipIf(skip !== undefined)('webgpu conv_pixel (the GPU tuning) vs ref', () => {
  beforeAll(() => {
    tuning.software = false;
  });
  afterAll(() => {
    tuning.software = undefined;
    ignoredFeatures.clear();
  });

  CASES.forEach((c, i) => {
    it(c.name, async () => {
      const used = kernelStems(await check(c, 300 + i));
      expect(used.length).toBeGreaterThan(0);
      expect(used.every((s) => s === 'conv_pixel')).toBe(true);
    });
  });

  it('residual added before and after the activation, one dispatch each', async () => {
    expect(await checkGraph(residualGraph(false, true, false), 1)).toEqual(['conv_pixel']);
    expect(await checkGraph(residualGraph(true, false, true), 2)).toEqual(['conv_pixel']);
  });

  it('GCN block (rates summed, 2 batch items) and KSAC summed rates with a residual', async () => {
    expect(await checkGraph(gcnGraph(2), 3)).toHaveLength(3);
    expect(await checkGraph(ksacSumGraph(2), 4)).toEqual(['conv_pixel']);
  });

  it('KSAC: shared kernel at 3 rates written into their Concat slices', async () => {
    await checkGraph(ksacGraph(5, 7, [9, 8]), 5);
  });

  it('U-Net decoder: ConvTranspose phases straight into the Concat', async () => {
    await checkGraph(unetUpGraph(), 6);
  });

  it('does not depend on subgroups', async () => {
    ignoredFeatures.add('subgroups');
    await checkGraph(residualGraph(false, false, false), 7);
    ignoredFeatures.delete('subgroups');
  });

  it('more than 65535 workgroups in one dispatch (1 → 4 channels at 1 × 4 200 000 pixels)', async () => {
    const b = new GraphBuilder('pixel_big', { seed: 8 });
    const x = b.input('x', [1, 1, 1, 4_200_000]);
    b.output(b.op('Conv', [x, b.param('w', [4, 1, 1, 1]), b.param('b', [4])], {}));
    await checkGraph(b.build(), 8);
  });
});
