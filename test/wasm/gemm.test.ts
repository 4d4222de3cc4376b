import { describe, expect, it } from 'vitest';
import { createWasmBackend } from '../../src/engine/backends/wasm/index.js';
import { pruneTaps } from '../../src/engine/backends/wasm/prune.js';
import { parallelRegions } from '../../src/engine/backends/wasm/threads.js';
import { Tensor } from '../../src/engine/tensor.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import { inferShapes } from '../../src/graph/shape-inference.js';
import { expectWasmMatchesRef, Rng, randomInput } from './ref-oracle.js';

type Attrs = Record<string, number | number[] | string>;

/** One Conv of weight [M, C, 1, 1] on input `dims`, WASM vs ref (tolerance: ref-oracle.ts). */
async function pointwise(dims: number[], m: number, attrs: Attrs = {}, bias = true): Promise<void> {
  const b = new GraphBuilder('pw', { seed: dims.length + m });
  const x = b.input('x', dims);
  const k = dims.length === 4 ? [1, 1] : [1];
  const w = b.param('w', [m, dims[1] as number, ...k]);
  b.output(b.op('Conv', [x, w, ...(bias ? [b.param('b', [m])] : [])], { kernel_shape: k, ...attrs }));
  await expectWasmMatchesRef(
    b,
    { x: randomInput(new Rng(m), dims) },
    `1x1 ${m} [${dims}] ${JSON.stringify(attrs)}`,
  );
}

describe('WASM packed-GEMM pointwise conv vs ref', () => {
  it('odd pixel counts, channel counts not multiples of 8 or 4, batch 2', async () => {
    await pointwise([1, 3, 5, 7], 5);
    await pointwise([2, 13, 9, 11], 17, {}, false);
    await pointwise([1, 1, 3, 3], 1);
  });
  it('more pixels than one tile, wide channels, fused activations', async () => {
    await pointwise([1, 96, 11, 13], 40, { activation: 'HardSwish' });
    await pointwise([1, 33, 12, 12], 24, { activation: 'Clip', activation_params: [0, 6] });
    await pointwise([1, 16, 9, 15], 9, { activation: 'Sigmoid' });
  });
  it('1-D convs, and 1x1 convs with stride or pads (these take the direct kernel)', async () => {
    await pointwise([2, 7, 29], 12);
    await pointwise([1, 8, 9, 9], 8, { strides: [2, 2] });
    await pointwise([1, 8, 6, 7], 10, { pads: [1, 0, 0, 1] });
  });
  it('dilated 3x3 convs whose outer taps only read padding (ASPP on a small map)', async () => {
    const b = new GraphBuilder('aspp', { seed: 4 });
    const x = b.input('x', [1, 24, 5, 9]);
    const conv = (d: number, m: number) =>
      b.op('Conv', [x, b.param(`w${d}`, [m, 24, 3, 3]), b.param(`b${d}`, [m])], {
        kernel_shape: [3, 3],
        dilations: [d, d],
        pads: [d, d, d, d],
      });
    // d 12: only the centre tap is live (a 1x1, GEMM); d 6: rows pruned, columns kept (1x3); d 2: all live.
    b.output(conv(12, 16), conv(6, 9), conv(2, 12));
    await expectWasmMatchesRef(b, { x: randomInput(new Rng(4), [1, 24, 5, 9]) }, 'pruned taps');
  });
  it('pruneTaps keeps exactly the taps that reach the input', () => {
    const axis = (inSize: number, d: number) => ({
      inSize,
      out: inSize,
      k: 3,
      stride: 1,
      dilation: d,
      padBegin: d,
      padEnd: d,
    });
    const w = new Tensor(
      'float32',
      [2, 1, 3, 3],
      Float32Array.from({ length: 18 }, (_, i) => i),
    );
    const a = pruneTaps(w, axis(5, 12), axis(9, 12), 4);
    expect([...a.w.dims]).toEqual([2, 1, 1, 1]);
    expect([...(a.w.data as Float32Array)]).toEqual([4, 13]); // the centre taps
    expect([a.h.padBegin, a.wa.padBegin, a.h.k, a.wa.k]).toEqual([0, 0, 1, 1]);
    const b = pruneTaps(w, axis(5, 6), axis(9, 6), 4);
    expect([...b.w.dims]).toEqual([2, 1, 1, 3]);
    expect([...(b.w.data as Float32Array)]).toEqual([3, 4, 5, 12, 13, 14]);
    expect([b.h.padBegin, b.wa.padBegin]).toEqual([0, 6]);
    expect(pruneTaps(w, axis(5, 2), axis(9, 2), 4).w).toBe(w);
  });
  it('routes 1x1 stride-1 convs to the GEMM kernel', async () => {
    const b = new GraphBuilder('pw', { seed: 1 });
    const x = b.input('x', [1, 8, 4, 4]);
    b.output(b.op('Conv', [x, b.param('w', [8, 8, 1, 1])], { kernel_shape: [1, 1] }));
    const g = b.build();
    const calls: string[] = [];
    // A 2-thread session splitting every call records which kernels ran (threads.ts counters).
    const before = new Map(parallelRegions());
    const model = await createWasmBackend({ threads: 2, minParallelWork: 0 }).prepare(g, inferShapes(g));
    await model.run(new Map([['x', randomInput(new Rng(1), [1, 8, 4, 4])]]), [g.outputs[0]?.name as string]);
    model.release();
    for (const [k, n] of parallelRegions()) if (n > (before.get(k) ?? 0)) calls.push(k);
    expect(calls).toContain('conv1x1Nhwc');
    expect(calls).not.toContain('convNhwc');
  });
});
