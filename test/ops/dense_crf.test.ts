import { describe, expect, it } from 'vitest';
import { Session } from '../../src/engine/session.js';
import { Tensor } from '../../src/engine/tensor.js';
import {
  BackendUnavailableError,
  ShapeError,
  UnsupportedAttributeError,
  UnsupportedOpError,
} from '../../src/errors.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import { exportOnnx } from '../../src/graph/export/onnx.js';
import { importModel } from '../../src/graph/import/index.js';
import { ModelProto } from '../../src/graph/import/onnx-schema.js';
import type { Attrs, Graph } from '../../src/graph/ir.js';
import type { RgbImage } from '../../src/io/image.js';
import { denseCrf } from '../../src/post/crf/index.js';
import { runRef } from '../helpers/ops.js';
import { astronautCrop, colourProbs, meanAbsDiff } from '../post/crf-helpers.js';

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

describe('DenseCRF on the wasm backend', () => {
  it('is refused at Session.create with a typed error naming the op (no WASM kernel for it yet)', async () => {
    await expect(
      Session.create(crfGraph([1, 5, 24, 24], [1, 3, 24, 24], {}), { backend: 'wasm' }),
    ).rejects.toThrow(BackendUnavailableError);
    await expect(
      Session.create(crfGraph([1, 5, 24, 24], [1, 3, 24, 24], {}), { backend: 'wasm' }),
    ).rejects.toThrow(/DenseCRF/);
  });
});
