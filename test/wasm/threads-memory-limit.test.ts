import { describe, expect, it } from 'vitest';
import { liveWorkers } from '../../src/engine/backends/wasm/threads.js';
import { Session } from '../../src/engine/session.js';
import { Tensor } from '../../src/engine/tensor.js';
import { BackendUnavailableError } from '../../src/errors.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import type { Graph } from '../../src/graph/ir.js';

/** A 1-element input broadcast to [1, 1, side, side]: the arena needs side² floats for the output. */
function expandGraph(side: number): Graph {
  const b = new GraphBuilder('expand', { seed: 1 });
  const x = b.input('x', [1, 1, 1, 1]);
  b.output(b.op('Expand', [x, b.ints('shape', [1, 1, side, side])]));
  return b.build();
}

describe('WASM threads: the 2 GiB shared-memory limit', () => {
  it('a threaded session that needs more than 2 GiB fails in create with a typed error and leaks no workers', async () => {
    const base = liveWorkers();
    // 24000² floats = 2.3 GB: over the 2 GiB maximum of the shared memory, so the arena's first
    // large allocation fails (the memory reserves its maximum up front; nothing is committed).
    const create = Session.create(expandGraph(24000), { backend: 'wasm', threads: 2 });
    await expect(create).rejects.toBeInstanceOf(BackendUnavailableError);
    await expect(create).rejects.toThrow(/needs \d+ MiB of WASM memory, more than this engine grants/);
    expect(liveWorkers()).toBe(base);
  });

  it('the same graph at a size that fits runs on 2 threads', async () => {
    const s = await Session.create(expandGraph(256), { backend: 'wasm', threads: 2 });
    try {
      const out = await s.run({ x: new Tensor('float32', [1, 1, 1, 1], new Float32Array([2.5])) });
      const y = Object.values(out)[0];
      if (!y) throw new Error('no output');
      expect(y.dims).toEqual([1, 1, 256, 256]);
      expect((y.data as Float32Array).every((v) => v === 2.5)).toBe(true);
    } finally {
      s.release();
    }
  });
});
