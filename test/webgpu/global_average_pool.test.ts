import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tuning } from '../../src/engine/backends/webgpu/index.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import { expectMatchesRef, kernelStems, webgpuSkipReason } from './helpers.js';

/**
 * GlobalAveragePool on global_average_pool.wgsl (the GPU tuning: a workgroup per plane and a tree
 * reduction) against the ref backend: planes smaller than, equal to and much larger than the
 * workgroup, 1-D and 3-D spatial inputs, and more than 65535 planes (a 2-D dispatch).
 */
const skip = await webgpuSkipReason();
if (skip) console.warn(`webgpu tests skipped: ${skip}`);

const SHAPES: number[][] = [
  [2, 5, 7, 9],
  [1, 3, 8, 8],
  [1, 16, 128, 128],
  [2, 3, 17],
  [1, 2, 3, 4, 5],
  [1, 70_000, 1, 1],
];

describe.skipIf(skip !== undefined)('webgpu GlobalAveragePool with the GPU tuning vs ref', () => {
  beforeAll(() => {
    tuning.software = false;
  });
  afterAll(() => {
    tuning.software = undefined;
  });

  SHAPES.forEach((dims, i) => {
    it(`[${dims.join(', ')}]`, async () => {
      const b = new GraphBuilder(`gap_${i}`, { seed: 30 + i });
      b.output(b.op('GlobalAveragePool', [b.input('x', dims)]));
      const uses = await expectMatchesRef(b.build(), { atol: 1e-6, rtol: 1e-5 }, 40 + i);
      expect(kernelStems(uses)).toEqual(['global_average_pool']);
    });
  });
});

describe.skipIf(skip !== undefined)('webgpu GlobalAveragePool on a software adapter', () => {
  it('runs pool.wgsl (one invocation per plane: no barriers on a CPU)', async () => {
    const b = new GraphBuilder('gap_sw', { seed: 50 });
    b.output(b.op('GlobalAveragePool', [b.input('x', [2, 3, 9, 11])]));
    tuning.software = true;
    try {
      const uses = await expectMatchesRef(b.build(), { atol: 1e-6, rtol: 1e-5 }, 51);
      expect(kernelStems(uses)).toEqual(['pool']);
    } finally {
      tuning.software = undefined;
    }
  });
});
