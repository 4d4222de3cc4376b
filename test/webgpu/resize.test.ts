import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tuning } from '../../src/engine/backends/webgpu/index.js';
import { Tensor } from '../../src/engine/tensor.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import type { Attrs, Graph } from '../../src/graph/ir.js';
import { Rng } from '../../src/util/random.js';
import { expectMatchesRef, webgpuSkipReason } from './helpers.js';
import { nearestSpecialsCase } from './resize-graphs.js';

const skip = await webgpuSkipReason();
if (skip) console.warn(`webgpu resize tests skipped: ${skip}`);

/** Interpolated values and probabilities vs the ref backend (f32 on the GPU vs f64 accumulation). */
const TOL = { atol: 1e-5, rtol: 1e-5 };
/** Labels are exact: ties come from duplicated channels, which interpolate identically. */
const EXACT = { atol: 0, rtol: 0 };
const COORDS = ['half_pixel', 'pytorch_half_pixel', 'align_corners', 'asymmetric'];

/** Seeded N×C×H×W logits where channel 3 repeats channel 1 (lifted, so the tie is often the max). */
function logits(dims: number[], seed: number): Tensor<'float32'> {
  const [n = 1, c = 1, h = 1, w = 1] = dims;
  const data = new Rng(seed).floats(n * c * h * w, -2, 2);
  const plane = h * w;
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < plane; i++) {
      const one = (b * c + 1) * plane + i;
      data[one] = (data[one] as number) + 1;
      if (c > 3) data[(b * c + 3) * plane + i] = data[one] as number;
    }
  }
  return new Tensor('float32', dims, data);
}

/** Runs graph on ref and webgpu (no graph passes); compares every output; returns the webgpu dispatches. */
function compare(graph: Graph, feeds: Record<string, Tensor>) {
  return expectMatchesRef(graph, (want) => (want.dtype === 'int64' ? EXACT : TOL), 1, feeds);
}

type Head = 'softmax' | 'argmax' | 'argmax-flat-last' | 'softmax-argmax';
const HEADS: Head[] = ['softmax', 'argmax', 'argmax-flat-last', 'softmax-argmax'];

/** Softmax / ArgMax (keepdims 1, or keepdims 0 with select_last_index 1) / both, over channels. */
function head(b: GraphBuilder, r: string, h: Head, name: string): string {
  const argmax = (v: string, at: Attrs) => b.op('ArgMax', [v], { axis: 1, ...at }, { name: `${name}_am` });
  switch (h) {
    case 'softmax':
      return b.op('Softmax', [r], { axis: 1 }, { name: `${name}_sm` });
    case 'argmax':
      return argmax(r, { keepdims: 1 });
    case 'argmax-flat-last':
      return argmax(r, { keepdims: 0, select_last_index: 1 });
    case 'softmax-argmax':
      return argmax(b.op('Softmax', [r], { axis: -3 }, { name: `${name}_sm` }), { keepdims: 1 });
  }
}

/** Plain resizes: 8× and 3× upscales, sizes, identity, linear and nearest, every coordinate mode. */
async function cellsCase() {
  const b = new GraphBuilder('resize_cells', { seed: 3 });
  const x = b.input('x', [2, 3, 5, 7]);
  const big = b.input('big', [1, 8, 64, 64]);
  const outs: string[] = [];
  for (const mode of ['linear', 'nearest']) {
    for (const coord of COORDS) {
      const at = { mode, coordinate_transformation_mode: coord };
      outs.push(b.op('Resize', [x, '', b.param(`s8${mode}${coord}`, [4], [1, 1, 8, 3])], at));
      outs.push(b.op('Resize', [x, '', '', b.ints(`sz${mode}${coord}`, [2, 3, 3, 17])], at));
    }
    // 4096 cells of one output each: on a software adapter all 8 planes go to one invocation.
    outs.push(b.op('Resize', [big, '', b.param(`id${mode}`, [4], [1, 1, 1, 1])], { mode }));
  }
  b.output(...outs);
  const g = b.build();
  return compare(g, { x: logits([2, 3, 5, 7], 1), big: logits([1, 8, 64, 64], 2) });
}

describe.skipIf(skip !== undefined)('webgpu Resize (cells of shared taps) vs ref', () => {
  it(
    '8× and 3× upscales, identity (several planes per invocation), a downscale; linear and nearest',
    cellsCase,
  );
  it('empty outputs (a downscale of 1 row by 1/3, no channels under a fused head) match ref', async () => {
    const b = new GraphBuilder('empty_resize', { seed: 5 });
    const x = b.input('x', [1, 2, 1, 3]);
    const outs = ['linear', 'nearest'].map((mode) =>
      b.op('Resize', [x, '', b.param(`s_${mode}`, [4], [1, 1, 1 / 3, 2])], { mode }),
    );
    // No channels under a fused Softmax head (its planes are grouped by channel count).
    const none = b.input('none', [2, 0, 3, 3]);
    outs.push(b.op('Softmax', [b.op('Resize', [none, '', b.param('s2', [4], [1, 1, 2, 2])])], { axis: 1 }));
    b.output(...outs);
    const g = b.build();
    expect(g.outputs.map((o) => o.shape)).toEqual([
      [1, 2, 0, 6],
      [1, 2, 0, 6],
      [2, 0, 6, 6],
    ]);
    await expectMatchesRef(g, EXACT);
  });
  it('nearest copies ±inf and NaN as they are (plain and fused with ArgMax)', async () => {
    const { graph, feeds } = nearestSpecialsCase();
    const uses = await expectMatchesRef(graph, EXACT, 1, feeds);
    expect(uses.map((u) => u.overrides.LINEAR)).toEqual([0, 0, 0, 0]);
  });
});

describe.skipIf(skip !== undefined)(
  'webgpu Resize with the GPU tiling (one output per invocation) vs ref',
  () => {
    beforeAll(() => {
      tuning.software = false;
    });
    afterAll(() => {
      tuning.software = undefined;
    });
    it('plain resizes: every mode, one output and one plane per invocation', async () => {
      const uses = await cellsCase();
      expect(uses.every((u) => u.overrides.BX === 1 && u.overrides.BY === 1)).toBe(true);
    });
    it('fused heads: one output per invocation, all channels of it', async () => {
      const b = new GraphBuilder('heads_gpu', { seed: 12 });
      const x = b.input('x', [2, 5, 5, 7]);
      const at = { mode: 'linear', coordinate_transformation_mode: 'half_pixel' };
      const outs = HEADS.map((h, k) => {
        const r = b.op('Resize', [x, '', b.param(`gscale${k}`, [4], [1, 1, 8, 3])], at, { name: `g${k}` });
        return head(b, r, h, `g${k}`);
      });
      b.output(...outs);
      const uses = await compare(b.build(), { x: logits([2, 5, 5, 7], 13) });
      expect(uses).toHaveLength(HEADS.length);
      expect(uses.every((u) => u.overrides.BX === 1 && u.overrides.BY === 1)).toBe(true);
    });
  },
);

describe.skipIf(skip !== undefined)(
  'webgpu Resize fused with a channel Softmax/ArgMax vs ref (unfused)',
  () => {
    for (const mode of ['linear', 'nearest']) {
      it(`${mode}: every coordinate mode × {softmax, argmax, argmax keepdims 0 select_last, softmax→argmax}, one dispatch each`, async () => {
        const b = new GraphBuilder(`heads_${mode}`, { seed: 5 });
        // 5 channels (not a multiple of 4), odd sizes, a batch of 2.
        const x = b.input('x', [2, 5, 5, 7]);
        const outs: string[] = [];
        COORDS.forEach((coord, i) => {
          const at = { mode, coordinate_transformation_mode: coord };
          const up = b.param(`up${i}`, [4], [1, 1, 2.5, 1.75]);
          const size = b.ints(`size${i}`, [2, 5, 13, 4]);
          HEADS.forEach((h, k) => {
            const name = `r${i}_${k}`;
            const r = b.op('Resize', [x, '', ...(k % 2 === 0 ? [up] : ['', size])], at, { name });
            outs.push(head(b, r, h, name));
          });
        });
        b.output(...outs);
        const uses = await compare(b.build(), { x: logits([2, 5, 5, 7], 7) });
        // One resize.wgsl dispatch per branch: Softmax and ArgMax ran inside it.
        expect(uses.length).toBe(COORDS.length * HEADS.length);
        for (const u of uses) {
          expect(u.file).toMatch(/^resize_(softmax|argmax)-/);
          expect(u.node).toMatch(/^r\d_\d\+r\d_\d_(sm|am)(\+r\d_\d_am)?$/);
        }
      });
    }

    it('the segmentation head at 8× (cells of 2 × 8 outputs): softmax, softmax→argmax, argmax', async () => {
      const b = new GraphBuilder('heads_x8', { seed: 4 });
      const x = b.input('x', [1, 5, 4, 6]);
      const at = { mode: 'linear', coordinate_transformation_mode: 'half_pixel' };
      const outs = (['softmax', 'softmax-argmax', 'argmax'] as Head[]).map((h, k) => {
        const r = b.op('Resize', [x, '', b.param(`x8_${k}`, [4], [1, 1, 8, 8])], at, { name: `r${k}_8` });
        return head(b, r, h, `r${k}_8`);
      });
      b.output(...outs);
      const uses = await compare(b.build(), { x: logits([1, 5, 4, 6], 3) });
      expect(uses.map((u) => u.node).sort()).toEqual([
        'r0_8+r0_8_sm',
        'r1_8+r1_8_sm+r1_8_am',
        'r2_8+r2_8_am',
      ]);
      expect(uses.every((u) => u.overrides.BX === 8 && u.overrides.BY === 2)).toBe(true);
    });

    it('stays unfused where it must: resized value also an output or read twice, softmax over W, probs also an output', async () => {
      const b = new GraphBuilder('unfused', { seed: 6 });
      const x = b.input('x', [1, 6, 4, 5]);
      const up = b.param('up', [4], [1, 1, 3, 2]);
      const at = { mode: 'linear', coordinate_transformation_mode: 'align_corners' };
      const kept = b.op('Resize', [x, '', up], at, { name: 'kept', outputs: ['kept'] });
      const twice = b.op('Resize', [x, '', up], at, { name: 'twice' });
      const lastAxis = b.op('Resize', [x, '', up], at, { name: 'last_axis' });
      const probs = b.op('Resize', [x, '', up], at, { name: 'probs' });
      const sm = b.op('Softmax', [probs], { axis: 1 }, { name: 'probs_sm', outputs: ['p'] });
      b.output(
        kept,
        b.op('Softmax', [kept], { axis: 1 }, { name: 'kept_sm' }),
        b.op('ArgMax', [twice], { axis: 1 }, { name: 'twice_am' }),
        b.op('Softmax', [twice], { axis: 1 }, { name: 'twice_sm' }),
        b.op('Softmax', [lastAxis], { axis: -1 }, { name: 'last_axis_sm' }),
        sm,
        b.op('ArgMax', [sm], { axis: 1 }, { name: 'probs_am' }),
      );
      const uses = await compare(b.build(), { x: logits([1, 6, 4, 5], 8) });
      expect(uses.map((u) => u.node).sort()).toEqual([
        'kept',
        'kept_sm',
        'last_axis',
        'last_axis_sm',
        'probs+probs_sm',
        'probs_am',
        'twice',
        'twice_am',
        'twice_sm',
      ]);
    });

    it('a dispatch past 65535 workgroups (folded into a 2-D grid): fused argmax over 4.2 M pixels', async () => {
      const b = new GraphBuilder('large', { seed: 9 });
      const side = 2049; // 2049² cells of one pixel each > 65535 × 64
      const x = b.input('x', [1, 2, side, side]);
      const r = b.op(
        'Resize',
        [x, '', b.param('one', [4], [1, 1, 1, 1])],
        { mode: 'nearest' },
        { name: 'r' },
      );
      b.output(b.op('ArgMax', [r], { axis: 1, keepdims: 0 }, { name: 'am' }));
      const uses = await compare(b.build(), { x: logits([1, 2, side, side], 10) });
      expect(uses.map((u) => u.node)).toEqual(['r+am']);
    });
  },
);
