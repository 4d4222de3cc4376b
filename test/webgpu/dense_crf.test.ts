import { describe, expect, it } from 'vitest';
import { Session } from '../../src/engine/session.js';
import { Tensor } from '../../src/engine/tensor.js';
import { InputError } from '../../src/errors.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import type { Attrs, Graph } from '../../src/graph/ir.js';
import type { RgbImage } from '../../src/io/image.js';
import { expectClose } from '../helpers/compare.js';
import { astronautCrop, colourProbs, meanAbsDiff } from '../post/crf-helpers.js';
import { webgpuSkipReason } from './helpers.js';

const skip = await webgpuSkipReason();
if (skip) console.warn(`webgpu DenseCRF tests skipped: ${skip}`);

/**
 * Tolerance vs the ref kernel (TS lattice in doubles): the WebGPU CRF builds the same lattice in
 * WASM and iterates in float32 WGSL (WebGpuCrf vs WASM agree to ~1e-6 mean |ΔQ|; measured here on
 * SwiftShader: ~1.1e-8). Asserted: mean |ΔQ| <= 1e-6 and every element within 1e-3.
 */
const MEAN_TOL = 1e-6;
const ELEMENT_TOL = { atol: 1e-3, rtol: 0 };

/** (B, 3, H, W) float 0-255 planes of RGB images. */
function imageTensor(imgs: RgbImage[]): Tensor<'float32'> {
  const { width: w, height: h } = imgs[0] as RgbImage;
  const n = w * h;
  const out = new Float32Array(imgs.length * 3 * n);
  imgs.forEach((img, b) => {
    for (let i = 0; i < n; i++)
      for (let k = 0; k < 3; k++) out[(b * 3 + k) * n + i] = img.data[i * 3 + k] as number;
  });
  return new Tensor('float32', [imgs.length, 3, h, w], out);
}

function cat(ts: Tensor[]): Tensor<'float32'> {
  const data = Float32Array.from(ts.flatMap((t) => [...(t.data as Float32Array)]));
  return new Tensor('float32', [ts.length, ...(ts[0] as Tensor).dims.slice(1)], data);
}

async function runBoth(graph: Graph, feeds: Record<string, Tensor>) {
  const ref = await Session.create(graph, { backend: 'ref', optimize: false });
  const gpu = await Session.create(graph, { backend: 'webgpu', optimize: false });
  try {
    return { want: await ref.run(feeds), got: await gpu.run(feeds), again: await gpu.run(feeds) };
  } finally {
    gpu.release();
    ref.release();
  }
}

function expectCrfClose(got: Tensor, want: Tensor, label: string): void {
  expect(got.dims).toEqual(want.dims);
  expect(meanAbsDiff(got, want), label).toBeLessThanOrEqual(MEAN_TOL);
  expectClose(got, want, ELEMENT_TOL, label);
}

const attrs = { iterations: 5, pos_w: 3, pos_xy: 3, bi_w: 10, bi_xy: 80, bi_rgb: 13 };
const a = astronautCrop(100, 200, 24);
const b2 = astronautCrop(300, 20, 24);

function crfGraph(scores: number[], image: number[], at: Attrs): Graph {
  const b = new GraphBuilder('crf');
  b.output(b.op('DenseCRF', [b.input('p', scores), b.input('img', image)], at));
  return b.build();
}

describe.skipIf(skip !== undefined)('DenseCRF on webgpu (host step) vs the ref backend', () => {
  it('a DenseCRF node alone, probs, batch of 2; a second run gives the same Q', async () => {
    const probs = cat([colourProbs(a, 5, 4), colourProbs(b2, 5, 8)]);
    const g = crfGraph([2, 5, 24, 24], [2, 3, 24, 24], attrs);
    const { want, got, again } = await runBoth(g, { p: probs, img: imageTensor([a, b2]) });
    const name = g.outputs[0]?.name as string;
    expectCrfClose(got[name] as Tensor, want[name] as Tensor, 'probs');
    expect([...(again[name] as Tensor).data]).toEqual([...(got[name] as Tensor).data]);
  });

  it("input_kind 'logits' with the default (deeplab-v2) attributes", async () => {
    const probs = colourProbs(a, 5, 4);
    const logits = new Tensor(
      'float32',
      probs.dims,
      probs.data.map((v) => 2 * Math.log(v) + 7),
    );
    const g = crfGraph([1, 5, 24, 24], [1, 3, 24, 24], { input_kind: 'logits' });
    const { want, got } = await runBoth(g, { p: logits, img: imageTensor([a]) });
    const name = g.outputs[0]?.name as string;
    expectCrfClose(got[name] as Tensor, want[name] as Tensor, 'logits');
  });

  it('conv net → Softmax → DenseCRF → ArgMax: GPU steps before and after the host step', async () => {
    for (const kind of ['probs', 'logits'] as const) {
      const b = new GraphBuilder(`net-${kind}`, { seed: 3 });
      const img = b.input('img', [1, 3, 24, 24]);
      const x = b.op('Mul', [img, b.constant('s', Tensor.fromNumbers('float32', [1], [1 / 255]))]);
      const c1 = b.op('Relu', [
        b.op('Conv', [x, b.param('w1', [6, 3, 3, 3]), b.param('b1', [6])], { pads: [1, 1, 1, 1] }),
      ]);
      const scores = b.op(
        'Conv',
        [c1, b.param('w2', [4, 6, 1, 1]), b.param('b2', [4])],
        {},
        { outputs: ['scores'] },
      );
      const unary = kind === 'probs' ? b.op('Softmax', [scores], { axis: 1 }, { outputs: ['sm'] }) : scores;
      const q = b.op('DenseCRF', [unary, img], { ...attrs, input_kind: kind }, { outputs: ['q'] });
      b.output(scores, q, b.op('ArgMax', [q], { axis: 1, keepdims: 0 }, { outputs: ['label'] }));
      const g = b.build();
      const { want, got } = await runBoth(g, { img: imageTensor([a]) });
      expectClose(got.scores as Tensor, want.scores as Tensor, { atol: 1e-4, rtol: 1e-4 }, `${kind} scores`);
      expectCrfClose(got.q as Tensor, want.q as Tensor, `${kind} q`);
      // ArgMax ran on the GPU in the encoder recorded after the host step, reading the written Q.
      const wantLabel = new Tensor('int64', [1, 24, 24]);
      const gq = got.q as Tensor;
      for (let i = 0; i < 24 * 24; i++) {
        let best = 0;
        for (let l = 1; l < 4; l++)
          if ((gq.data[l * 576 + i] as number) > (gq.data[best * 576 + i] as number)) best = l;
        (wantLabel.data as BigInt64Array)[i] = BigInt(best);
      }
      expect([...(got.label as Tensor).data]).toEqual([...wantLabel.data]);
    }
  });

  it('bad probabilities fail the run with the same typed error as the ref backend', async () => {
    const probs = colourProbs(a, 5, 4);
    const bad = new Tensor(
      'float32',
      probs.dims,
      probs.data.map((v) => v * 2),
    );
    const g = crfGraph([1, 5, 24, 24], [1, 3, 24, 24], attrs);
    const feeds = { p: bad, img: imageTensor([a]) };
    const ref = await Session.create(g, { backend: 'ref', optimize: false });
    const gpu = await Session.create(g, { backend: 'webgpu', optimize: false });
    try {
      const want = await ref.run(feeds).catch((e: unknown) => e);
      expect(want).toBeInstanceOf(InputError);
      await expect(gpu.run(feeds)).rejects.toThrow((want as Error).message);
      await expect(gpu.run(feeds)).rejects.toBeInstanceOf(InputError);
      // The session is usable after the failed run.
      const ok = { p: probs, img: feeds.img };
      expectCrfClose(
        Object.values(await gpu.run(ok))[0] as Tensor,
        Object.values(await ref.run(ok))[0] as Tensor,
        'after error',
      );
    } finally {
      gpu.release();
      ref.release();
    }
  });

  it('profile: true on a graph that is only a host step: its host wall time (profile_host.test.ts has more)', async () => {
    const g = crfGraph([1, 5, 24, 24], [1, 3, 24, 24], attrs);
    const s = await Session.create(g, { backend: 'webgpu', optimize: false, profile: true });
    try {
      await s.run({ p: colourProbs(a, 5, 4), img: imageTensor([a]) });
      const p = s.lastProfile();
      expect(p?.nodes.map((n) => [n.node, n.clock])).toEqual([[g.nodes[0]?.name, 'host']]);
      expect(p?.note).toMatch(/host steps \(DenseCRF\) are host wall time/);
    } finally {
      s.release();
    }
  });
});
