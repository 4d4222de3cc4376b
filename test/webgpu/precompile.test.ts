import { afterAll, describe, expect, it } from 'vitest';
import { acquireDevice } from '../../src/engine/backends/webgpu/device.js';
import { tuning } from '../../src/engine/backends/webgpu/index.js';
import { PipelineCache } from '../../src/engine/backends/webgpu/pipelines.js';
import { precompileConvPixel } from '../../src/engine/backends/webgpu/precompile.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import type { Graph } from '../../src/graph/ir.js';
import { expectMatchesRef, webgpuSkipReason } from './helpers.js';

/**
 * precompileConvPixel: on a GPU (here SwiftShader with the GPU tuning forced) a session starts
 * compiling conv_pixel.wgsl on the live shared device before it lowers the graph; the lowering then
 * gets that very pipeline. Nothing starts without a live device, on a software adapter, or for a
 * graph without a non-depthwise conv.
 */
const skip = await webgpuSkipReason();
if (skip) console.warn(`webgpu tests skipped: ${skip}`);

function convGraph(depthwise: boolean): Graph {
  const b = new GraphBuilder(depthwise ? 'dw' : 'conv', { seed: 4 });
  const x = b.input('x', [1, 6, 9, 8]);
  const w = depthwise ? [6, 1, 3, 3] : [5, 6, 3, 3];
  b.output(b.op('Conv', [x, b.param('w', w)], { pads: [1, 1, 1, 1], ...(depthwise ? { group: 6 } : {}) }));
  return b.build();
}

describe.skipIf(skip !== undefined)('webgpu precompileConvPixel', () => {
  afterAll(() => {
    tuning.software = undefined;
  });

  it('starts the conv pipeline on the live device only where the GPU tuning will use it', async () => {
    // webgpuSkipReason released its device: unheld, it stays alive (idle) for a while.
    const gpu = await acquireDevice();
    try {
      tuning.software = true;
      expect(precompileConvPixel(convGraph(false), tuning.software)).toBeUndefined();
      tuning.software = false;
      expect(precompileConvPixel(convGraph(true), tuning.software)).toBeUndefined();
      const started = precompileConvPixel(convGraph(false), tuning.software);
      expect(started).toBeDefined();
      const pipeline = await started;
      const again = await new PipelineCache(gpu.device).get(
        'conv_pixel',
        { WG: 64 },
        { node: 'c', op: 'Conv' },
      );
      expect(again).toBe(pipeline);
      // The session finds it too, and computes the ref backend's answer with it.
      const uses = await expectMatchesRef(convGraph(false), { atol: 1e-4, rtol: 1e-4 }, 5);
      expect(uses.map((u) => u.file.replace(/-[0-9a-f]+\.wgsl$/, ''))).toEqual(['conv_pixel']);
    } finally {
      gpu.destroy();
    }
  });

  it('starts nothing without a live device', async () => {
    const gpu = await acquireDevice();
    gpu.device.destroy();
    await gpu.device.lost;
    gpu.destroy();
    tuning.software = false;
    expect(precompileConvPixel(convGraph(false), tuning.software)).toBeUndefined();
  });
});
