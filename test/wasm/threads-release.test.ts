import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { liveWorkers } from '../../src/engine/backends/wasm/threads.js';
import { Session } from '../../src/engine/session.js';
import type { Tensor } from '../../src/engine/tensor.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import type { Graph } from '../../src/graph/ir.js';
import { Rng, randomInput } from './ref-oracle.js';
import { differingElements, runWasm } from './threads-helpers.js';

/** A conv over a [1, 32, 160, 160] input: each session's arena is about 20 MB. */
function bigGraph(): Graph {
  const b = new GraphBuilder('big', { seed: 5 });
  const x = b.input('x', [1, 32, 160, 160]);
  const y = b.op('Conv', [x, b.param('w', [32, 32, 3, 3]), b.param('b', [32])], {
    kernel_shape: [3, 3],
    pads: [1, 1, 1, 1],
  });
  b.output(b.op('Relu', [y]));
  return b.build();
}

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

async function settledRss(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 50));
  }
  return process.memoryUsage().rss;
}

afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe('WASM threads: release and fallback', () => {
  it('release() ends the workers, and creating/releasing sessions does not grow memory', async () => {
    const graph = bigGraph();
    const feeds = { x: randomInput(new Rng(1), [1, 32, 160, 160]) };
    const base = liveWorkers();
    const cycle = async () => {
      const s = await Session.create(graph, { backend: 'wasm', threads: 2 });
      expect(liveWorkers()).toBe(base + 1);
      await s.run(feeds);
      s.release();
      expect(liveWorkers()).toBe(base);
    };
    for (let i = 0; i < 3; i++) await cycle();
    const before = await settledRss();
    for (let i = 0; i < 12; i++) await cycle();
    const after = await settledRss();
    // 12 leaked sessions would hold > 240 MB; allow allocator noise of one or two sessions.
    expect(after - before, `rss grew from ${before} to ${after}`).toBeLessThan(48 * 2 ** 20);
    const s = await Session.create(graph, { backend: 'wasm', threads: 2 });
    s.release();
    await expect(s.run(feeds)).rejects.toThrow(/released/);
  });

  it('falls back to one thread, warning once, where SharedArrayBuffer is missing', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const graph = bigGraph();
    const feeds = { x: randomInput(new Rng(2), [1, 32, 160, 160]) };
    const one = await runWasm(graph, feeds, 1);
    const base = liveWorkers();
    vi.stubGlobal('SharedArrayBuffer', undefined);
    const a = await runWasm(graph, feeds, 2);
    const b = await runWasm(graph, feeds, 4);
    vi.unstubAllGlobals();
    expect(a.regions.size + b.regions.size, 'nothing ran split').toBe(0);
    expect(liveWorkers()).toBe(base);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]?.[0])).toMatch(/SharedArrayBuffer.*one thread/);
    const first = (m: Map<string, Tensor>) => [...m.values()][0] as Tensor;
    expect(differingElements(first(one.outputs), first(a.outputs))).toBe(0);
    expect(differingElements(first(one.outputs), first(b.outputs))).toBe(0);
  });

  it('rejects a thread count that is not a positive integer', async () => {
    await expect(Session.create(bigGraph(), { backend: 'wasm', threads: 0 })).rejects.toThrow(/threads/);
    await expect(Session.create(bigGraph(), { backend: 'wasm', threads: 1.5 })).rejects.toThrow(/threads/);
  });
});
