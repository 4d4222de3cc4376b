import { describe, expect, it } from 'vitest';
import { Session } from '../../src/engine/session.js';
import { Tensor } from '../../src/engine/tensor.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import { expectMatchesRef, kernelStems, webgpuSkipReason } from './helpers.js';

const skip = await webgpuSkipReason();
if (skip) console.warn(`webgpu tests skipped: ${skip}`);

const EXACT = { atol: 0, rtol: 0 };

describe.skipIf(skip !== undefined)(
  'webgpu copies: concat, split, slice, transpose, expand, reshape, pad',
  () => {
    it('Concat on channels (odd counts) and on the last axis', async () => {
      const b = new GraphBuilder('concat', { seed: 7 });
      const a = b.input('a', [2, 3, 4, 5]);
      const c = b.input('c', [2, 5, 4, 5]);
      const d = b.param('d', [2, 1, 4, 5]);
      b.output(b.op('Concat', [a, c, d], { axis: 1 }), b.op('Concat', [a, a], { axis: -1 }));
      await expectMatchesRef(b.build(), EXACT);
    });

    it('Split, Slice (negative step, clamped ends), Transpose', async () => {
      const b = new GraphBuilder('slicing', { seed: 8 });
      const x = b.input('x', [2, 7, 5, 3]);
      const [s0, s1] = b.ops('Split', [x, b.ints('sizes', [3, 4])], { axis: 1 }, 2) as [string, string];
      const sl = b.op('Slice', [
        x,
        b.ints('st', [6, 1]),
        b.ints('en', [-100, 100]),
        b.ints('ax', [1, 2]),
        b.ints('sp', [-2, 2]),
      ]);
      const t = b.op('Transpose', [x], { perm: [0, 2, 3, 1] });
      b.output(s0, s1, sl, t);
      await expectMatchesRef(b.build(), EXACT);
    });

    it('Gather with constant indices (gather.wgsl): a class plane, negatives and repeats, 2-D indices', async () => {
      const b = new GraphBuilder('gather', { opset: 13, seed: 11 });
      const x = b.input('x', [2, 21, 3, 5]);
      b.output(
        // The person plane of a 21-class head (scalar index: the axis drops).
        b.op('Gather', [x, b.constant('person', Tensor.fromNumbers('int64', [], [15]))], { axis: 1 }),
        b.op('Gather', [x, b.ints('picks', [-1, 0, 0, 2])], { axis: 3 }),
        b.op('Gather', [x, b.ints('grid', [1, 0, 2, 1], [2, 2])], { axis: 2 }),
        b.op('Gather', [x, b.ints('none', [], [0])], { axis: 0 }),
      );
      const g = b.build();
      expect(g.outputs.map((o) => o.shape)).toEqual([
        [2, 3, 5],
        [2, 21, 3, 4],
        [2, 21, 2, 2, 5],
        [0, 21, 3, 5],
      ]);
      expect(new Set(kernelStems(await expectMatchesRef(g, EXACT)))).toEqual(new Set(['gather']));
    });

    it('copies that collapse to two axes (copy.wgsl) and ones that keep three or more (copy_nd.wgsl)', async () => {
      const b = new GraphBuilder('collapse', { seed: 10 });
      const x = b.input('x', [1, 6, 5, 3]);
      const y = b.input('y', [2, 3, 4]);
      b.output(
        // NHWC -> NCHW ([30, 3] -> [3, 30]) and back: two axes.
        b.op('Transpose', [x], { perm: [0, 3, 1, 2] }),
        b.op('Transpose', [b.op('Transpose', [x], { perm: [0, 3, 1, 2] })], { perm: [0, 2, 3, 1] }),
        // Swapping the outer two axes of three keeps three; the middle axis reversed too.
        b.op('Transpose', [y], { perm: [1, 0, 2] }),
        b.op('Slice', [y, b.ints('st', [-1]), b.ints('en', [-100]), b.ints('ax', [1]), b.ints('sp', [-1])]),
        // Channels reversed: [6, 15] with a negative outer stride, two axes.
        b.op('Slice', [
          x,
          b.ints('st1', [-1]),
          b.ints('en1', [-100]),
          b.ints('ax1', [1]),
          b.ints('sp1', [-1]),
        ]),
        // int64: each element is two words (an innermost axis of 2 that merges with its row).
        b.op('Transpose', [b.op('Cast', [y], { to: 7 })], { perm: [2, 0, 1] }),
      );
      const files = kernelStems(await expectMatchesRef(b.build(), EXACT));
      expect(new Set(files)).toEqual(new Set(['copy', 'copy_nd', 'cast']));
    });

    it('Expand, Reshape, Flatten, Unsqueeze, Squeeze', async () => {
      const b = new GraphBuilder('reshape', { seed: 9 });
      const x = b.input('x', [3, 1, 5]);
      const e = b.op('Expand', [x, b.ints('shape', [2, 3, 4, 5])]);
      const r = b.op('Reshape', [e, b.ints('rs', [6, -1])]);
      const f = b.op('Flatten', [e], { axis: 2 });
      const u = b.op('Unsqueeze', [x, b.ints('ua', [0])]);
      const s = b.op('Squeeze', [x, b.ints('sa', [1])]);
      b.output(r, f, u, s);
      await expectMatchesRef(b.build(), EXACT);
    });

    for (const mode of ['constant', 'reflect', 'edge']) {
      it(`Pad ${mode} (with a negative pad that crops)`, async () => {
        const b = new GraphBuilder(`pad_${mode}`, { seed: 10 });
        const x = b.input('x', [1, 3, 5, 6]);
        const pads = b.ints('pads', [0, 0, 2, -1, 0, 1, 3, 2]);
        const inputs = mode === 'constant' ? [x, pads, b.param('v', [], [0.75])] : [x, pads];
        b.output(b.op('Pad', inputs, { mode }));
        await expectMatchesRef(b.build(), EXACT);
      });
    }

    it('Cast float32 -> int64 -> float32 and float32 -> int32 (truncation toward zero)', async () => {
      const b = new GraphBuilder('cast', { seed: 11 });
      const x = b.input('x', [2, 3, 5]);
      const scaled = b.op('Mul', [x, b.param('k', [], [7.5])]);
      const i64 = b.op('Cast', [scaled], { to: 7 });
      b.output(i64, b.op('Cast', [i64], { to: 1 }), b.op('Cast', [scaled], { to: 6 }));
      await expectMatchesRef(b.build(), EXACT);
    });

    it('what a kernel cannot run fails prepare with a typed error naming the node (no CPU fallback)', async () => {
      // Gather's indices come from the graph input: gather.wgsl takes them as constants only.
      const b = new GraphBuilder('nokernel', { seed: 12 });
      const x = b.input('x', [2, 3]);
      b.output(b.op('Gather', [x, b.input('idx', [2], 'int64')], { axis: 0 }, { name: 'gather_me' }));
      await expect(Session.create(b.build(), { backend: 'webgpu', optimize: false })).rejects.toThrow(
        /node 'gather_me' \(Gather\): the webgpu backend cannot run this: indices that are not constants/,
      );
    });
  },
);
