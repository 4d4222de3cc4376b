import { afterAll, describe, expect, it } from 'vitest';
import { acquireDevice, type GpuContext } from '../../src/engine/backends/webgpu/device.js';
import { PipelineCache, WgslCompileError } from '../../src/engine/backends/webgpu/pipelines.js';
import { webgpuSkipReason } from './helpers.js';

const skip = await webgpuSkipReason();
const held: GpuContext[] = [];
afterAll(() => {
  for (const ctx of held) ctx.destroy();
});

describe.skipIf(skip !== undefined)('webgpu pipeline cache', () => {
  it('compiles a pipeline once per device, shared by caches; concurrent requests all resolve', async () => {
    const ctx = await acquireDevice();
    held.push(ctx);
    const a = new PipelineCache(ctx.device);
    const b = new PipelineCache(ctx.device);
    const label = { node: 'n', op: 'Relu' };
    const acts = [0, 1, 2, 3];
    const fromA = await Promise.all(acts.map((ACT) => a.get('activation', { WG: 64, ACT }, label)));
    const fromB = await Promise.all(acts.map((ACT) => b.get('activation', { WG: 64, ACT }, label)));
    expect(new Set(fromA).size).toBe(4);
    for (const [i, p] of fromB.entries()) expect(p).toBe(fromA[i]);
    // What each cache used is its own (the --dump-wgsl record).
    expect(a.uses).toHaveLength(4);
    expect(b.uses).toHaveLength(4);
  });

  it('an unknown override constant is a WgslCompileError naming the node, not cached', async () => {
    const ctx = await acquireDevice();
    held.push(ctx);
    const bad = { WG: 64, NO_SUCH_CONSTANT: 1 };
    const first = new PipelineCache(ctx.device).get('copy', bad, { node: 'first', op: 'Identity' });
    await expect(first).rejects.toBeInstanceOf(WgslCompileError);
    await expect(first).rejects.toThrow(/node 'first' \(Identity\): kernels\/copy\.wgsl failed to compile/);
    // Asked again from another session: compiled again, and the error names that node.
    const second = new PipelineCache(ctx.device).get('copy', bad, { node: 'second', op: 'Identity' });
    await expect(second).rejects.toThrow(/node 'second'/);
    // The module stays usable for good overrides.
    await expect(
      new PipelineCache(ctx.device).get('copy', { WG: 64 }, { node: 'ok', op: 'Identity' }),
    ).resolves.toBeDefined();
  });
});
