import { describe, expect, it } from 'vitest';
import type { Kernels } from '../../src/engine/backends/wasm/kernels.js';
import { TASKS_PER_THREAD } from '../../src/engine/backends/wasm/split.js';
import { type Pool, parallelKernels } from '../../src/engine/backends/wasm/threads.js';
import { Session } from '../../src/engine/session.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import { Rng, randomInput } from './ref-oracle.js';

/** A pool that records each parallel region's tasks instead of running them. */
function recordingPool(threads: number): { pool: Pool; regions: { name: string; args: number[] }[][][] } {
  const regions: { name: string; args: number[] }[][][] = [];
  return { pool: { threads, run: (tasks) => regions.push(tasks), terminate() {} }, regions };
}

/** Kernels that only count whole (unsplit) calls. */
function countingKernels(): { k: Kernels; whole: string[] } {
  const whole: string[] = [];
  const k = new Proxy({} as Kernels, {
    get: (_t, name: string) => () => whole.push(name),
    ownKeys: () => ['conv1x1Nhwc', 'unary', 'resizeNchw'],
    getOwnPropertyDescriptor: () => ({ enumerable: true, configurable: true }),
  });
  return { k, whole };
}

describe('WASM threads: tasks per call', () => {
  it('splits scratch-free kernels into several tasks per thread, covering the call exactly once', () => {
    const { pool, regions } = recordingPool(2);
    const { k, whole } = countingKernels();
    const par = parallelKernels(k, pool, 1 << 18);
    // conv1x1Nhwc(x, w, bias, y, P, C, M, ...): 80 pixels, 160 → 960 channels (an LR-ASPP layer).
    par.conv1x1Nhwc(1000, 2000, 0, 500000, 80, 160, 960, 0, 0, 0);
    expect(whole).toEqual([]);
    const tasks = regions[0] ?? [];
    expect(tasks.length).toBe(2 * TASKS_PER_THREAD);
    let next = 0;
    for (const [call] of tasks) {
      const a = call?.args ?? [];
      expect(a[0], 'input pointer of the slice').toBe(1000 + next * 160 * 4);
      expect(a[3], 'output pointer of the slice').toBe(500000 + next * 960 * 4);
      expect((a[4] as number) % 4 === 0 || next + (a[4] as number) === 80).toBe(true);
      next += a[4] as number;
    }
    expect(next).toBe(80);
  });

  it('gives a kernel with per-thread scratch one task per thread', () => {
    const { pool, regions } = recordingPool(2);
    const { k } = countingKernels();
    // resizeNchw(x, y, rowTab, colTab, tmp, P, H, W, OH, OW): 64 planes 64×80 → 128×160.
    parallelKernels(k, pool, 1 << 18).resizeNchw(0, 1 << 20, 0, 0, 1 << 24, 64, 64, 80, 128, 160);
    expect(regions[0]?.length).toBe(2);
  });

  it('weighs elementwise work above a multiply-add: a 76800-element activation splits, a 20000 one does not', () => {
    const { pool, regions } = recordingPool(2);
    const { k, whole } = countingKernels();
    const par = parallelKernels(k, pool, 1 << 18);
    par.unary(0, 1 << 20, 76800, 5, 0, 0);
    par.unary(0, 1 << 20, 20000, 5, 0, 0);
    expect(regions.length).toBe(1);
    expect(whole).toEqual(['unary']);
  });

  it('an idle 2-thread session costs no CPU: workers stop polling and block after a run', async () => {
    const b = new GraphBuilder('idle', { seed: 3 });
    const x = b.input('x', [1, 32, 64, 64]);
    const y = b.op('Conv', [x, b.param('w', [64, 32, 1, 1]), b.param('b', [64])], { kernel_shape: [1, 1] });
    b.output(b.op('Relu', [y]));
    const s = await Session.create(b.build(), { backend: 'wasm', threads: 2 });
    try {
      const feeds = { x: randomInput(new Rng(4), [1, 32, 64, 64]) };
      for (let i = 0; i < 3; i++) await s.run(feeds);
      await new Promise((r) => setTimeout(r, 20));
      const c0 = process.cpuUsage();
      await new Promise((r) => setTimeout(r, 500));
      const c = process.cpuUsage(c0);
      const ms = (c.user + c.system) / 1000;
      // A worker that kept polling would burn most of a core (~500 ms); idle Node and vitest a few ms.
      expect(ms, `process CPU while idle: ${ms.toFixed(1)} ms in 500 ms`).toBeLessThan(100);
    } finally {
      s.release();
    }
  });
});
