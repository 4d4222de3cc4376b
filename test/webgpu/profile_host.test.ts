import { describe, expect, it } from 'vitest';
import { formatProfile, type RunProfile } from '../../src/engine/profile.js';
import { Session } from '../../src/engine/session.js';
import { Tensor } from '../../src/engine/tensor.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import { expectClose } from '../helpers/compare.js';
import { astronautCrop } from '../post/crf-helpers.js';
import { webgpuSkipReason } from './helpers.js';

const skip = await webgpuSkipReason();
if (skip) console.warn(`webgpu host-step profile tests skipped: ${skip}`);

/** A 24×24 crop as a (1, 3, 24, 24) float 0-255 tensor. */
function image(): Tensor<'float32'> {
  const img = astronautCrop(100, 200, 24);
  const n = 24 * 24;
  const out = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) for (let k = 0; k < 3; k++) out[k * n + i] = img.data[i * 3 + k] as number;
  return new Tensor('float32', [1, 3, 24, 24], out);
}

/**
 * A segmentation head: conv at half resolution → Resize ×2 + Softmax (fused: one dispatch) →
 * DenseCRF (a host step) → ArgMax (a dispatch recorded after the host step).
 */
function model() {
  const b = new GraphBuilder('crf_head', { seed: 12 });
  const img = b.input('img', [1, 3, 24, 24]);
  const x = b.op(
    'Mul',
    [img, b.constant('s', Tensor.fromNumbers('float32', [1], [1 / 255]))],
    {},
    { name: 'scale' },
  );
  const c = b.op(
    'Conv',
    [x, b.param('w', [4, 3, 2, 2]), b.param('b', [4])],
    { strides: [2, 2] },
    { name: 'conv' },
  );
  const up = b.op(
    'Resize',
    [c, '', b.param('scales', [4], [1, 1, 2, 2])],
    { mode: 'linear' },
    { name: 'up' },
  );
  const sm = b.op('Softmax', [up], { axis: 1 }, { name: 'sm' });
  const attrs = { iterations: 3, pos_w: 3, pos_xy: 3, bi_w: 10, bi_xy: 80, bi_rgb: 13 };
  const q = b.op('DenseCRF', [sm, img], attrs, { name: 'crf', outputs: ['q'] });
  b.output(q, b.op('ArgMax', [q], { axis: 1 }, { name: 'am', outputs: ['label'] }));
  return b.build();
}

function rows(p: RunProfile | undefined) {
  return p?.nodes.map((n) => `${n.node}${n.clock === 'host' ? ' [host]' : ''}`);
}

describe.skipIf(skip !== undefined)('profiling a webgpu graph with a host step (DenseCRF)', () => {
  it('GPU time per dispatch node, host wall time for the DenseCRF step, same results as unprofiled', async () => {
    const graph = model();
    const feeds = { img: image() };
    const plain = await Session.create(graph, { backend: 'webgpu', optimize: false });
    const timed = await Session.create(graph, { backend: 'webgpu', optimize: false, profile: true });
    const forced = await Session.create(graph, { backend: 'webgpu', optimize: false, profile: 'submit' });
    try {
      const want = await plain.run(feeds);
      for (const s of [timed, forced]) {
        // Twice: the second profiled run reuses the query set and staging buffers.
        for (let k = 0; k < 2; k++) {
          const got = await s.run(feeds);
          expectClose(got.q as Tensor, want.q as Tensor, { atol: 0, rtol: 0 }, 'q');
          expectClose(got.label as Tensor, want.label as Tensor, { atol: 0, rtol: 0 }, 'label');
        }
      }
      const p = timed.lastProfile();
      expect(p?.method).toBe('timestamp-query');
      // Program order; the resize+softmax pair is one fused dispatch.
      expect(rows(p)).toEqual(['scale', 'conv', 'up+sm', 'crf [host]', 'am']);
      expect(p?.note).toMatch(/host steps \(DenseCRF\) are host wall time/);
      const crf = p?.nodes.find((n) => n.node === 'crf');
      expect(crf?.op).toBe('DenseCRF');
      expect(crf?.ms).toBeGreaterThan(0);
      expect(p?.nodes.filter((n) => n.clock !== 'host').reduce((t, n) => t + n.ms, 0)).toBeGreaterThan(0);

      const q = forced.lastProfile();
      expect(q?.method).toBe('submit');
      expect(q?.note).toMatch(/submitted alone.*host steps \(DenseCRF\) are host wall time/);
      expect(rows(q)).toEqual(['scale', 'conv', 'up+sm', 'crf [host]', 'am']);

      const table = formatProfile(p as RunProfile);
      expect(table.some((l) => /^crf\s+DenseCRF \(host wall\)\s+[\d.]+\s+[\d.]+$/.test(l))).toBe(true);
      expect(table.some((l) => /^conv\s+Conv\s+[\d.]+\s+[\d.]+$/.test(l))).toBe(true);
    } finally {
      plain.release();
      timed.release();
      forced.release();
    }
  });
});
