import { describe, expect, it } from 'vitest';
import { resizeTmpBytes } from '../../src/engine/backends/wasm/compile-resize.js';
import type { Kernels } from '../../src/engine/backends/wasm/kernels.js';
import {
  argsOn,
  type Call,
  imageRuns,
  TASKS_PER_THREAD,
  WAKE_FACTOR,
} from '../../src/engine/backends/wasm/split.js';
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

  it('splits a kernel with per-thread scratch into several tasks, each call on its runner’s scratch slice', () => {
    const { pool, regions } = recordingPool(2);
    const { k } = countingKernels();
    // resizeNchw(x, y, rowTab, colTab, tmp, P, H, W, OH, OW): 64 planes 64×80 → 128×160.
    parallelKernels(k, pool, 1 << 18).resizeNchw(0, 1 << 20, 0, 0, 1 << 24, 64, 64, 80, 128, 160);
    const tasks = regions[0] ?? [];
    expect(tasks.length).toBe(2 * TASKS_PER_THREAD);
    let planes = 0;
    for (const calls of tasks) {
      // Whole planes of a slice go in one call, so 16 planes a task stay one call, not 16.
      expect(calls.length).toBe(1);
      const call = calls[0] as Call;
      expect(call.args[4], 'every call names the base of the scratch').toBe(1 << 24);
      expect(argsOn(call, 0)[4]).toBe(1 << 24);
      expect(argsOn(call, 1)[4], 'thread 1 gets the next slice').toBe((1 << 24) + resizeTmpBytes(160));
      expect(call.args[1]).toBe((1 << 20) + planes * 128 * 160 * 4);
      planes += call.args[5] as number;
    }
    expect(planes).toBe(64);
  });

  it('resize slices starting mid-plane: a partial plane, a run of whole planes, a partial plane', () => {
    expect(imageRuns(10, 7, 45)).toEqual([
      { n: 0, count: 1, oh0: 7, oh1: 10 },
      { n: 1, count: 3, oh0: 0, oh1: 10 },
      { n: 4, count: 1, oh0: 0, oh1: 5 },
    ]);
    expect(imageRuns(10, 2, 5)).toEqual([{ n: 0, count: 1, oh0: 2, oh1: 5 }]);
  });

  it('splits a one-pixel 1x1 conv (squeeze-excite) over blocks of 8 output channels', () => {
    const { pool, regions } = recordingPool(2);
    const { k, whole } = countingKernels();
    const par = parallelKernels(k, pool, 1 << 18);
    // conv1x1Nhwc(x, w, bias, y, P, C, M, ...): LR-ASPP's 960 → 240 squeeze at P = 1.
    par.conv1x1Nhwc(1000, 2000, 3000, 500000, 1, 960, 244, 1, 0, 0);
    // 120 → 32 is a few µs: whole.
    par.conv1x1Nhwc(1000, 2000, 3000, 500000, 1, 120, 32, 1, 0, 0);
    expect(whole).toEqual(['conv1x1Nhwc']);
    let next = 0;
    for (const [call] of regions[0] ?? []) {
      const a = (call as Call).args;
      expect(a[0], 'every slice reads the whole input pixel').toBe(1000);
      expect(a[1], 'weights of the slice ([M/8][C][8])').toBe(2000 + next * 960 * 4);
      expect(a[2], 'bias of the slice').toBe(3000 + next * 4);
      expect(a[3], 'output of the slice').toBe(500000 + next * 4);
      expect(a[4]).toBe(1);
      expect(next % 8).toBe(0);
      next += a[6] as number;
    }
    expect(next).toBe(244);
  });

  it('splits a resize or a one-pixel conv while every worker sleeps only with WAKE_FACTOR times the work', () => {
    const { pool, regions } = recordingPool(2);
    let sleeping = true;
    const { k, whole } = countingKernels();
    const par = parallelKernels(k, { ...pool, asleep: () => sleeping }, 1 << 18);
    // resizeNchw(x, y, rowTab, colTab, tmp, P, H, W, OH, OW): 21 planes 32×32 → 256×256 (1.4M
    // outputs, ~0.3 ms) — worth splitting with the worker awake, not worth its wake-up.
    const resize = (planes: number) => par.resizeNchw(0, 1 << 20, 0, 0, 1 << 24, planes, 32, 32, 256, 256);
    resize(21);
    par.conv1x1Nhwc(0, 0, 0, 1 << 20, 1, 960, 240, 0, 0, 0);
    expect(whole).toEqual(['resizeNchw', 'conv1x1Nhwc']);
    // A compute-bound call splits anyway: the worker it wakes stays awake for the next calls.
    par.conv1x1Nhwc(0, 0, 0, 1 << 20, 64, 128, 128, 0, 0, 0);
    expect(regions.map((r) => r[0]?.[0]?.name)).toEqual(['conv1x1Nhwc']);
    resize(Math.ceil((21 * WAKE_FACTOR) / 4));
    expect(regions.length, 'a resize WAKE_FACTOR/4 times bigger splits').toBe(2);
    sleeping = false;
    resize(21);
    par.conv1x1Nhwc(0, 0, 0, 1 << 20, 1, 960, 240, 0, 0, 0);
    expect(regions.length).toBe(4);
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
