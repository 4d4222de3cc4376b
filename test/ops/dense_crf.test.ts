import { describe, expect, it } from 'vitest';
import { Session } from '../../src/engine/session.js';
import { Tensor } from '../../src/engine/tensor.js';
import { InputError, ShapeError, UnsupportedAttributeError, UnsupportedOpError } from '../../src/errors.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import { exportOnnx } from '../../src/graph/export/onnx.js';
import { importModel } from '../../src/graph/import/index.js';
import { ModelProto } from '../../src/graph/import/onnx-schema.js';
import type { Attrs, Graph } from '../../src/graph/ir.js';
import type { RgbImage } from '../../src/io/image.js';
import { denseCrf } from '../../src/post/crf/index.js';
import { Rng } from '../../src/util/random.js';
import { runRef } from '../helpers/ops.js';
import { agreement, argmax, astronautCrop, colourProbs, meanAbsDiff } from '../post/crf-helpers.js';

/** (1, 3, H, W) float 0-255 planes of an RGB image. */
function imageTensor(img: RgbImage): Tensor<'float32'> {
  const n = img.width * img.height;
  const out = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) for (let k = 0; k < 3; k++) out[k * n + i] = img.data[i * 3 + k] as number;
  return new Tensor('float32', [1, 3, img.height, img.width], out);
}

function crfGraph(scores: number[], image: number[], attrs: Attrs): Graph {
  const b = new GraphBuilder('crf');
  b.output(b.op('DenseCRF', [b.input('p', scores), b.input('img', image)], attrs));
  return b.build();
}

function maxAbsDiff(a: Tensor, b: Tensor): number {
  let m = 0;
  for (let i = 0; i < a.data.length; i++)
    m = Math.max(m, Math.abs((a.data[i] as number) - (b.data[i] as number)));
  return m;
}

const image = astronautCrop(100, 200, 24);
const probs = colourProbs(image, 5, 4);
const attrs = { iterations: 5, pos_w: 3, pos_xy: 3, bi_w: 10, bi_xy: 80, bi_rgb: 13 };
const params = { iterations: 5, posW: 3, posXyStd: 3, biW: 10, biXyStd: 80, biRgbStd: 13 };

describe('DenseCRF op (ref kernel = the TypeScript lattice)', () => {
  it('equals denseCrf({ backend: "ts" }) and stays close to the WASM lattice', async () => {
    const g = crfGraph([1, 5, 24, 24], [1, 3, 24, 24], attrs);
    const q = Object.values(await runRef(g, { p: probs, img: imageTensor(image) }))[0] as Tensor;
    expect(q.dims).toEqual([1, 5, 24, 24]);
    const ts = await denseCrf({ probs, image, params, backend: 'ts' });
    expect(maxAbsDiff(q, ts)).toBe(0);
    const wasm = await denseCrf({ probs, image, params, backend: 'wasm' });
    expect(meanAbsDiff(q, wasm)).toBeLessThanOrEqual(1e-7);
  });

  it("defaults are deeplab-v2; input_kind 'logits' reads unnormalized scores", async () => {
    const logits = new Tensor(
      'float32',
      probs.dims,
      probs.data.map((v) => 2 * Math.log(v) + 7),
    );
    const g = crfGraph([1, 5, 24, 24], [1, 3, 24, 24], { input_kind: 'logits' });
    const q = Object.values(await runRef(g, { p: logits, img: imageTensor(image) }))[0] as Tensor;
    const want = await denseCrf({ logits, image, params: 'deeplab-v2', backend: 'ts' });
    expect(maxAbsDiff(q, want)).toBe(0);
  });

  it('a batch of 2 is two independent images', async () => {
    const other = astronautCrop(300, 20, 24);
    const p2 = colourProbs(other, 5, 8);
    const cat = (a: Tensor, b: Tensor) =>
      new Tensor('float32', [2, ...a.dims.slice(1)], Float32Array.from([...a.data, ...b.data] as number[]));
    const g = crfGraph([2, 5, 24, 24], [2, 3, 24, 24], attrs);
    const q = Object.values(
      await runRef(g, { p: cat(probs, p2), img: cat(imageTensor(image), imageTensor(other)) }),
    )[0] as Tensor;
    const q1 = await denseCrf({ probs, image, params, backend: 'ts' });
    const q2 = await denseCrf({ probs: p2, image: other, params, backend: 'ts' });
    expect(maxAbsDiff(q, cat(q1, q2))).toBe(0);
  });

  it('shape and attribute errors name the node', async () => {
    const bad = async (scores: number[], img: number[], a: Attrs) => Session.create(crfGraph(scores, img, a));
    await expect(bad([1, 5, 24, 24], [1, 2, 24, 24], {})).rejects.toThrow(/image must have 3 channels/);
    await expect(bad([1, 5, 24, 24], [1, 3, 20, 24], {})).rejects.toThrow(ShapeError);
    await expect(bad([1, 5, 24, 24], [1, 3, 20, 24], {})).rejects.toThrow(/differ in height/);
    await expect(bad([5, 24, 24], [1, 3, 24, 24], {})).rejects.toThrow(/rank 4/);
    await expect(bad([1, 5, 24, 24], [1, 3, 24, 24], { iterations: -1 })).rejects.toThrow(
      UnsupportedAttributeError,
    );
    await expect(bad([1, 5, 24, 24], [1, 3, 24, 24], { bi_rgb: 0 })).rejects.toThrow(/'bi_rgb' must be/);
    await expect(bad([1, 5, 24, 24], [1, 3, 24, 24], { input_kind: 'scores' })).rejects.toThrow(
      UnsupportedAttributeError,
    );
  });

  it('unnormalized probabilities are an error at run time (use logits)', async () => {
    const g = crfGraph([1, 5, 24, 24], [1, 3, 24, 24], {});
    const scaled = new Tensor(
      'float32',
      probs.dims,
      probs.data.map((v) => v * 2),
    );
    await expect(runRef(g, { p: scaled, img: imageTensor(image) })).rejects.toThrow(/sum to 1/);
  });
});

describe('DenseCRF in ONNX: the ai.atrous domain', () => {
  const g = crfGraph([1, 5, 24, 24], [1, 3, 24, 24], attrs);

  it('round-trips through exportOnnx / importModel with its attributes and results', async () => {
    const bytes = exportOnnx(g);
    const model = ModelProto.decode(bytes) as unknown as {
      opset_import: { domain: string }[];
      graph: { node: { domain: string; op_type: string }[] };
    };
    expect(model.opset_import.map((o) => o.domain)).toEqual(['', 'ai.atrous']);
    expect(model.graph.node[0]?.domain).toBe('ai.atrous');
    const back = importModel(bytes);
    expect(back.nodes[0]?.op).toBe('DenseCRF');
    expect(back.nodes[0]?.attrs).toMatchObject(attrs);
    const feeds = { p: probs, img: imageTensor(image) };
    const a = Object.values(await runRef(g, feeds))[0] as Tensor;
    const b = Object.values(await runRef(back, feeds))[0] as Tensor;
    expect(maxAbsDiff(a, b)).toBe(0);
  });

  it('a DenseCRF node outside the ai.atrous domain is refused', () => {
    const model = ModelProto.decode(exportOnnx(g)) as unknown as { graph: { node: { domain: string }[] } };
    (model.graph.node[0] as { domain: string }).domain = '';
    const bytes = ModelProto.encode(model as never).finish();
    expect(() => importModel(bytes)).toThrow(UnsupportedOpError);
  });
});

describe('DenseCRF on the wasm backend (the WASM lattice in the session instance)', () => {
  const feeds = { p: probs, img: imageTensor(image) };
  /** Runs `g` on ref and wasm (same feeds); both outputs. */
  const both = async (g: Graph, f: Record<string, Tensor>) => {
    const ref = Object.values(await runRef(g, f))[0] as Tensor;
    const s = await Session.create(g, { backend: 'wasm', optimize: false });
    try {
      return { ref, wasm: Object.values(await s.run(f))[0] as Tensor };
    } finally {
      s.release();
    }
  };

  // Tolerance: the TS lattice computes in f32 buffers too, the WASM one sums in a different order
  // (CSR gather vs scatter, SIMD softmax): mean |ΔQ| <= 1e-7, max <= 5e-5 (as NOTES.md states).
  it('matches the ref kernel: probs, logits with deeplab-v2 defaults, a batch of 2', async () => {
    const { ref, wasm } = await both(crfGraph([1, 5, 24, 24], [1, 3, 24, 24], attrs), feeds);
    expect(wasm.dims).toEqual([1, 5, 24, 24]);
    expect(meanAbsDiff(wasm, ref)).toBeLessThanOrEqual(1e-7);
    expect(maxAbsDiff(wasm, ref)).toBeLessThanOrEqual(5e-5);
    // The CRF really changed Q (not a softmax of the input passed through).
    expect(maxAbsDiff(wasm, probs)).toBeGreaterThan(0.05);

    const logits = new Tensor(
      'float32',
      probs.dims,
      probs.data.map((v) => 2 * Math.log(v) + 7),
    );
    const lg = await both(crfGraph([1, 5, 24, 24], [1, 3, 24, 24], { input_kind: 'logits' }), {
      p: logits,
      img: feeds.img,
    });
    expect(meanAbsDiff(lg.wasm, lg.ref)).toBeLessThanOrEqual(1e-7);
    expect(maxAbsDiff(lg.wasm, lg.ref)).toBeLessThanOrEqual(5e-5);

    const other = astronautCrop(300, 20, 24);
    const cat = (a: Tensor, b: Tensor) =>
      new Tensor('float32', [2, ...a.dims.slice(1)], Float32Array.from([...a.data, ...b.data] as number[]));
    const b2 = await both(crfGraph([2, 5, 24, 24], [2, 3, 24, 24], attrs), {
      p: cat(probs, colourProbs(other, 5, 8)),
      img: cat(feeds.img, imageTensor(other)),
    });
    expect(meanAbsDiff(b2.wasm, b2.ref)).toBeLessThanOrEqual(1e-7);
    expect(maxAbsDiff(b2.wasm, b2.ref)).toBeLessThanOrEqual(5e-5);
  });

  it('a small conv net + softmax + DenseCRF runs end to end, close to ref', async () => {
    const b = new GraphBuilder('net-crf');
    const img = b.input('img', [1, 3, 32, 32]);
    const rng = new Rng(5);
    const h1 = b.op(
      'Conv',
      [img, b.param('w1', [8, 3, 3, 3], rng.floats(216, -0.02, 0.02)), b.param('b1', [8])],
      {
        pads: [1, 1, 1, 1],
        activation: 'Relu',
      },
    );
    const logits = b.op(
      'Conv',
      [h1, b.param('w2', [4, 8, 1, 1], rng.floats(32, -1, 1)), b.param('b2', [4])],
      {},
    );
    const q = b.op('DenseCRF', [b.op('Softmax', [logits], { axis: 1 }), img], attrs);
    b.output(q);
    const photo = imageTensor(astronautCrop(150, 120, 32));
    const { ref, wasm } = await both(b.build(), { img: photo });
    expect(wasm.dims).toEqual([1, 4, 32, 32]);
    // The conv net differs from ref by float rounding (Winograd / SIMD order), so looser here.
    expect(meanAbsDiff(wasm, ref)).toBeLessThanOrEqual(1e-5);
    expect(maxAbsDiff(wasm, ref)).toBeLessThanOrEqual(1e-3);
    expect(agreement(argmax(wasm), argmax(ref))).toBeGreaterThanOrEqual(0.99);
  });

  it('unnormalized probabilities are an error at run time, naming the rule', async () => {
    const s = await Session.create(crfGraph([1, 5, 24, 24], [1, 3, 24, 24], {}), { backend: 'wasm' });
    const scaled = new Tensor(
      'float32',
      probs.dims,
      probs.data.map((v) => v * 2),
    );
    await expect(s.run({ p: scaled, img: feeds.img })).rejects.toThrow(InputError);
    await expect(s.run({ p: scaled, img: feeds.img })).rejects.toThrow(/sum to 1/);
    // The session still works afterwards (the run-time lattice memory was released).
    const q = Object.values(await s.run(feeds))[0] as Tensor;
    const ref = Object.values(await runRef(crfGraph([1, 5, 24, 24], [1, 3, 24, 24], {}), feeds))[0] as Tensor;
    expect(maxAbsDiff(q, ref)).toBeLessThanOrEqual(5e-5);
    s.release();
  });
});
