import { afterAll, describe, expect, it, vi } from 'vitest';
import type { GpuContext } from '../../src/engine/backends/webgpu/device.js';
import { DeviceLostError } from '../../src/engine/backends/webgpu/index.js';
import { Session } from '../../src/engine/session.js';
import type { Tensor } from '../../src/engine/tensor.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import { expectClose } from '../helpers/compare.js';
import { randomFeeds, webgpuSkipReason } from './helpers.js';

// Keep every device the backend acquires, so the test can lose one on purpose.
const acquired: GpuContext[] = [];
vi.mock('../../src/engine/backends/webgpu/device.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/engine/backends/webgpu/device.js')>();
  return {
    ...real,
    acquireDevice: async (...args: Parameters<typeof real.acquireDevice>) => {
      const ctx = await real.acquireDevice(...args);
      acquired.push(ctx);
      return ctx;
    },
  };
});

const skip = await webgpuSkipReason();
if (skip) console.warn(`webgpu tests skipped: ${skip}`);

function model() {
  const b = new GraphBuilder('tiny', { seed: 2 });
  const x = b.input('x', [1, 2, 3, 3]);
  b.output(b.op('Conv', [x, b.param('w', [3, 2, 3, 3])], { pads: [1, 1, 1, 1], activation: 'Relu' }));
  return b.build();
}

afterAll(() => {
  for (const ctx of acquired) ctx.destroy();
});

describe.skipIf(skip !== undefined)('webgpu device', () => {
  it('a lost device is a typed error on the next run, and a new session works again', async () => {
    const graph = model();
    const feeds = randomFeeds(graph, 3);
    const ref = await Session.create(graph, { backend: 'ref' });
    const want = Object.values(await ref.run(feeds))[0] as Tensor;
    const first = await Session.create(graph, { backend: 'webgpu' });
    await first.run(feeds);
    const ctx = acquired[acquired.length - 1] as GpuContext;
    ctx.device.destroy();
    await ctx.device.lost;
    await expect(first.run(feeds)).rejects.toBeInstanceOf(DeviceLostError);
    await expect(first.run(feeds)).rejects.toThrow(/device lost.*create a new Session/);
    first.release();
    const second = await Session.create(graph, { backend: 'webgpu' });
    const got = Object.values(await second.run(feeds))[0] as Tensor;
    expectClose(got, want, { atol: 1e-5, rtol: 1e-4 }, 'after re-create');
    second.release();
  });

  it('asks for more storage than the adapter has: a typed error naming the limit', async () => {
    const { acquireDevice } = await import('../../src/engine/backends/webgpu/device.js');
    await expect(acquireDevice({ maxStorageBufferBindingSize: 2 ** 52 })).rejects.toThrow(
      /maxStorageBufferBindingSize = .* offers at most/,
    );
  });

  it('sessions share one device, a released device serves the next session, and pipelines compile once per device', async () => {
    const graph = model();
    const feeds = randomFeeds(graph, 4);
    const a = await Session.create(graph, { backend: 'webgpu' });
    const ctxA = acquired[acquired.length - 1] as GpuContext;
    const b = await Session.create(graph, { backend: 'webgpu' });
    const ctxB = acquired[acquired.length - 1] as GpuContext;
    expect(ctxB.device).toBe(ctxA.device);
    const want = Object.values(await a.run(feeds))[0] as Tensor;
    a.release();
    // b still holds the device: releasing a must not have destroyed it.
    expectClose(
      Object.values(await b.run(feeds))[0] as Tensor,
      want,
      { atol: 0, rtol: 0 },
      'b after a released',
    );
    b.release();
    // Nobody holds it now; the next session (within the idle time) gets it back and compiles nothing.
    const compile = vi.spyOn(ctxA.device, 'createComputePipelineAsync');
    const c = await Session.create(graph, { backend: 'webgpu' });
    expect((acquired[acquired.length - 1] as GpuContext).device).toBe(ctxA.device);
    expect(compile).not.toHaveBeenCalled();
    expectClose(Object.values(await c.run(feeds))[0] as Tensor, want, { atol: 0, rtol: 0 }, 'c');
    c.release();
    compile.mockRestore();
  });
});
