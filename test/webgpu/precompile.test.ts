import { afterAll, describe, expect, it } from 'vitest';
import { activationFeature, scanConvFeatures } from '../../src/engine/backends/webgpu/conv-features.js';
import { acquireDevice } from '../../src/engine/backends/webgpu/device.js';
import { tuning } from '../../src/engine/backends/webgpu/index.js';
import { PipelineCache } from '../../src/engine/backends/webgpu/pipelines.js';
import { precompileConvKernels } from '../../src/engine/backends/webgpu/precompile.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import type { Graph } from '../../src/graph/ir.js';
import { optimizeGraph } from '../../src/graph/passes/index.js';
import { expectMatchesRef, kernelStems, webgpuSkipReason } from './helpers.js';

/**
 * precompileConvKernels: on a GPU (here SwiftShader with the GPU tuning forced) a session starts
 * compiling conv_pixel.wgsl (dense convs) and depthwise.wgsl (depthwise convs) on the live shared
 * device before it lowers the graph; on a software adapter with the tiered start-up, conv_gemm at
 * CBK = 2 (FIRST_TIER_CBK). The lowering then gets those very pipelines. Nothing starts without a live device, on
 * an untiered software adapter, or for a graph without a conv.
 */
const skip = await webgpuSkipReason();
if (skip) console.warn(`webgpu tests skipped: ${skip}`);

function convGraph(depthwise: boolean, act?: 'Relu' | 'Clip'): Graph {
  const b = new GraphBuilder(depthwise ? 'dw' : 'conv', { seed: 4 });
  const x = b.input('x', [1, 6, 9, 8]);
  const w = depthwise ? [6, 1, 3, 3] : [5, 6, 3, 3];
  const y = b.op('Conv', [x, b.param('w', w)], { pads: [1, 1, 1, 1], ...(depthwise ? { group: 6 } : {}) });
  if (act === 'Relu') b.output(b.op('Relu', [y]));
  else if (act === 'Clip') b.output(b.op('Clip', [y, b.param('lo', [], [0]), b.param('hi', [], [6])]));
  else b.output(y);
  return b.build();
}

/** The precompile as a session tuned by `tuning` (and `tiered`) would start it. */
const precompile = (g: Graph, tiered = true, ignored: ReadonlySet<string> = new Set()) =>
  precompileConvKernels(g, { software: tuning.software, tiered, ignored, convFeatures: scanConvFeatures(g) });

describe.skipIf(skip !== undefined)('webgpu precompileConvKernels', () => {
  afterAll(() => {
    tuning.software = undefined;
  });

  it('starts the conv pipeline on the live device only where the GPU tuning will use it', async () => {
    // webgpuSkipReason released its device: unheld, it stays alive (idle) for a while.
    const gpu = await acquireDevice();
    try {
      tuning.software = true;
      expect(precompile(convGraph(false), false)).toBeUndefined();
      tuning.software = false;
      const started = precompile(convGraph(false));
      expect(started).toBeDefined();
      await started;
      // A plain conv: conv_pixel with no conv feature (FEAT 0), compiled once.
      const cache = new PipelineCache(gpu.device);
      expect(cache.isCompiled('conv_pixel', { WG: 64, FEAT: 0 })).toBe(true);
      const pipeline = await cache.get('conv_pixel', { WG: 64, FEAT: 0 }, { node: 'c', op: 'Conv' });
      const again = await cache.get('conv_pixel', { WG: 64, FEAT: 0 }, { node: 'c', op: 'Conv' });
      expect(again).toBe(pipeline);
      // The session asks for that one too, and computes the ref backend's answer with it.
      const uses = await expectMatchesRef(convGraph(false), { atol: 1e-4, rtol: 1e-4 }, 5);
      expect(kernelStems(uses)).toEqual(['conv_pixel']);
      expect(uses.map((u) => u.overrides)).toEqual([{ FEAT: 0, WG: 64 }]);
    } finally {
      gpu.destroy();
    }
  });

  it('on a software adapter, tiered: starts conv_gemm at CBK 2 (nosg without subgroups) and depthwise.wgsl', async () => {
    const gpu = await acquireDevice(undefined, ['subgroups']);
    try {
      tuning.software = true;
      const subgroups = gpu.device.features.has('subgroups');
      for (const ignored of [new Set<string>(), new Set(['subgroups'])]) {
        const stem = subgroups && ignored.size === 0 ? 'conv_gemm' : 'conv_gemm_nosg';
        // 32 output channels: CBK 8 once upgraded, CBK 2 first.
        const b = new GraphBuilder('wide', { seed: 6 });
        b.output(
          b.op('Conv', [b.input('x', [1, 6, 9, 8]), b.param('w', [32, 6, 3, 3])], { pads: [1, 1, 1, 1] }),
        );
        const started = precompile(b.build(), true, ignored);
        expect(started).toBeDefined();
        await started;
        // A plain conv: a pipeline with no conv_gemm feature (FEAT 0).
        expect(new PipelineCache(gpu.device).isCompiled(stem, { WG: 64, CBK: 2, FEAT: 0 })).toBe(true);
      }
      // Depthwise convs start on depthwise.wgsl (their row kernel is the upgrade).
      const dw = precompile(convGraph(true));
      expect(dw).toBeDefined();
      await dw;
      expect(new PipelineCache(gpu.device).isCompiled('depthwise', { WG: 64, FEAT: 0 })).toBe(true);
    } finally {
      gpu.destroy();
    }
  });

  it("starts depthwise.wgsl with the graph's activations (FEAT), and the session uses that pipeline", async () => {
    const gpu = await acquireDevice();
    try {
      tuning.software = false;
      for (const [act, feat] of [
        [undefined, 0],
        ['Relu', activationFeature(1)],
        ['Clip', activationFeature(2)],
      ] as const) {
        // optimizeGraph folds Relu and Clip into the conv: the scan finds them there.
        const graph = optimizeGraph(convGraph(true, act));
        expect(graph.nodes.map((n) => n.op)).toEqual(['Conv']);
        const started = precompile(graph);
        expect(started).toBeDefined();
        await started;
        expect(new PipelineCache(gpu.device).isCompiled('depthwise', { WG: 64, FEAT: feat })).toBe(true);
        const uses = await expectMatchesRef(graph, { atol: 1e-4, rtol: 1e-4 }, 5);
        expect(kernelStems(uses)).toEqual(['depthwise']);
        expect(uses.map((u) => u.overrides)).toEqual([{ FEAT: feat, WG: 64 }]);
      }
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
    expect(precompile(convGraph(false))).toBeUndefined();
  });
});
