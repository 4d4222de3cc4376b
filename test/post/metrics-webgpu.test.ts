import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encode as encodePng } from 'fast-png';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../src/graph/builder.js';
import { exportOnnx } from '../../src/graph/export/onnx.js';
import { ConfusionMatrix } from '../../src/post/metrics/confusion.js';
import { WebGpuConfusion, type WebGpuConfusionOptions } from '../../src/post/metrics/confusion-webgpu.js';
import { Rng } from '../../src/util/random.js';
import { cli, removeWorkDirs, workDir } from '../cli/models.js';
import { webgpuSkipReason } from '../webgpu/helpers.js';

const skip = await webgpuSkipReason();
if (skip) console.warn(`WebGPU confusion tests skipped: ${skip}`);

/** Labels in 0..classes+2 with ~10% ignore (255): includes unknown truth and bad predictions. */
function labels(rng: Rng, n: number, classes: number, ignore: number | false): Uint16Array {
  const out = new Uint16Array(n);
  for (let i = 0; i < n; i++)
    out[i] = ignore !== false && rng.next() < 0.1 ? ignore : rng.int(0, classes + 2);
  return out;
}

/** Quantized scores (ties common) with NaN, ±Infinity, ±0 and subnormals mixed in. */
function scores(rng: Rng, n: number): Float32Array {
  const out = new Float32Array(n);
  const odd = [Number.NaN, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY, 0, -0, 1e-40, 2e-40, -1e-40];
  for (let i = 0; i < n; i++) {
    const r = rng.next();
    out[i] = r < 0.04 ? (odd[rng.int(0, odd.length)] as number) : Math.round(rng.normal() * 2);
  }
  return out;
}

async function gpu(classes: number, ignore = 255, options: WebGpuConfusionOptions = {}) {
  const cm = await WebGpuConfusion.create(classes, ignore, options);
  made.push(cm);
  return cm;
}
const made: WebGpuConfusion[] = [];

function expectSame(got: WebGpuConfusion, want: ConfusionMatrix): void {
  expect(Array.from(got.counts)).toEqual(Array.from(want.counts));
  expect(got.skipped).toEqual(want.skipped);
}

describe.skipIf(!!skip)(
  'WebGPU confusion kernel (kernels/confusion.wgsl) equals the TS reference exactly',
  () => {
    beforeAll(() => {
      made.length = 0;
    });
    afterAll(() => {
      for (const cm of made) cm.release();
    });

    it('label maps: workgroup and global histograms, C = 19 and 300, ignore/unknown/bad labels', async () => {
      const rng = new Rng(11);
      for (const [classes, local] of [
        [19, true],
        [19, false],
        [300, false],
      ] as const) {
        const ref = new ConfusionMatrix(classes);
        const cm = await gpu(classes, 255, { workgroupHistogram: local });
        for (const n of [513 * 257, 1, 7, 1024 * 1023]) {
          const pred = labels(rng, n, classes, false);
          const truth = labels(rng, n, classes, 255);
          ref.addLabels(pred, truth);
          await cm.addLabels(pred, truth);
          ref.addLabels(Uint8Array.from(pred), Uint8Array.from(truth));
          await cm.addLabels(Uint8Array.from(pred), Uint8Array.from(truth));
        }
        expect(ref.skipped.unknownTruth).toBeGreaterThan(0);
        expect(ref.skipped.badPrediction).toBeGreaterThan(0);
        expectSame(cm, ref);
      }
    });

    it('fused argmax on logits: ties, NaN, ±0, subnormals, C = 23 > 21 classes, odd planes', async () => {
      const rng = new Rng(5);
      const classes = 21;
      const channels = 23; // two channels past the class list → bad predictions
      for (const local of [true, false]) {
        const ref = new ConfusionMatrix(classes);
        const cm = await gpu(classes, 255, { workgroupHistogram: local });
        for (const plane of [97 * 131, 3, 4096]) {
          const logits = scores(rng, channels * plane);
          const truth = labels(rng, plane, classes, 255);
          ref.addLogits(logits, channels, truth);
          await cm.addLogits(logits, channels, truth);
        }
        expect(ref.skipped.badPrediction).toBeGreaterThan(0);
        expectSame(cm, ref);
      }
    });

    it('argmax edge cases pixel by pixel: ±0, subnormals, NaN, infinities, ties', async () => {
      // Per pixel: three channel scores and the class TS picks (strictly greater wins, NaN never).
      const cases: [number, number, number, number][] = [
        [-0, 0, -0, 0],
        [0, -0, 0, 0],
        [1e-40, 2e-40, 0, 1],
        [-1e-40, 0, -0, 1],
        [-0, 1e-45, 0, 1],
        [Number.NaN, 5, 6, 0],
        [1, Number.NaN, 2, 2],
        [Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY, 0],
        [3, Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY, 1],
        [-2, -1, -1, 1],
      ];
      const plane = cases.length;
      const logits = new Float32Array(3 * plane);
      cases.forEach((c, i) => {
        for (let k = 0; k < 3; k++) logits[k * plane + i] = c[k] as number;
      });
      // Ground truth = pixel index % 3, so each pixel lands in its own known cell.
      const truth = Uint8Array.from(cases, (_, i) => i % 3);
      const want = new Float64Array(9);
      cases.forEach((c, i) => {
        want[(i % 3) * 3 + c[3]]++;
      });
      const ref = new ConfusionMatrix(3);
      ref.addLogits(logits, 3, truth);
      expect(Array.from(ref.counts)).toEqual(Array.from(want));
      for (const local of [true, false]) {
        const cm = await gpu(3, 255, { workgroupHistogram: local });
        await cm.addLogits(logits, 3, truth);
        expect(Array.from(cm.counts)).toEqual(Array.from(want));
      }
    });

    it('more than 65535 workgroups (2-D grid) and images split into chunks', async () => {
      const rng = new Rng(9);
      const classes = 5;
      const n = 64 * 65536 + 1234; // 65555 workgroups of 64 at one pixel each
      const pred = labels(rng, n, classes, false);
      const truth = labels(rng, n, classes, 255);
      const ref = new ConfusionMatrix(classes);
      ref.addLabels(pred, truth);
      const wide = await gpu(classes, 255, { workgroupSize: 64, itemsPerThread: 1 });
      await wide.addLabels(pred, truth);
      expectSame(wide, ref);
      // Chunks of an odd-sized image, from labels and from scores.
      const channels = 7;
      const plane = 301 * 299;
      const logits = scores(rng, channels * plane);
      const t2 = labels(rng, plane, classes, 255);
      const p2 = labels(rng, plane, classes, false);
      ref.addLogits(logits, channels, t2);
      ref.addLabels(p2, t2);
      const chunked = await gpu(classes, 255, { maxChunkPixels: 10001 });
      await chunked.addLabels(pred, truth);
      await chunked.addLogits(logits, channels, t2);
      await chunked.addLabels(p2, t2);
      expectSame(chunked, ref);
    });

    it('ignore label inside the class range, "no ignore" (-1), and several images not awaited in between', async () => {
      const rng = new Rng(3);
      for (const ignore of [0, -1]) {
        const ref = new ConfusionMatrix(5, ignore);
        const cm = await gpu(5, ignore);
        const pending: Promise<void>[] = [];
        for (let k = 0; k < 3; k++) {
          const truth = labels(rng, 3001, 5, false);
          const logits = scores(rng, 6 * 3001);
          ref.addLogits(logits, 6, truth);
          pending.push(cm.addLogits(logits, 6, truth));
        }
        await Promise.all(pending);
        expectSame(cm, ref);
        // ignore 0: no pixel of ground truth 0 is counted; -1: every class-0 pixel is.
        expect(ref.counts.subarray(0, 5).some((v) => v > 0)).toBe(ignore !== 0);
      }
    });

    it('rejects mismatched sizes with InputError', async () => {
      const cm = await gpu(3);
      expect(() => cm.addLabels(new Uint8Array(4), new Uint8Array(5))).toThrow(/4 pixels/);
      expect(() => cm.addLogits(new Float32Array(7), 2, new Uint8Array(4))).toThrow(/2 channels x 4 pixels/);
    });
  },
);

interface EvalJson {
  backend: string;
  metricsKernel: string;
  evaluated: number;
  metrics: {
    kernel: string;
    confusion: number[][];
    skipped: { unknownTruth: number; badPrediction: number };
  };
}

describe.skipIf(!!skip)('atrous eval --metrics-kernel webgpu', () => {
  afterAll(removeWorkDirs);

  it('writes the same JSON metrics as the ref kernel (5 channels for 4 classes, ignore and unknown labels)', async () => {
    const root = workDir();
    mkdirSync(join(root, 'img'));
    mkdirSync(join(root, 'lab'));
    const rng = new Rng(21);
    // A random 1x1 conv with 5 output channels; the class list has 4 names → channel 4 is "bad".
    const b = new GraphBuilder('rand5');
    const x = b.input('image', [1, 3, 'H', 'W']);
    const w = b.param('w', [5, 3, 1, 1], rng.floats(15, -1, 1));
    const bias = b.param('b', [5], rng.floats(5, -0.2, 0.2));
    b.output(b.op('Conv', [x, w, bias], {}, { name: 'conv', outputs: ['logits'] }));
    const model = join(root, 'rand5.onnx');
    writeFileSync(model, exportOnnx(b.build()));
    writeFileSync(join(root, 'classes.txt'), 'a\nb\nc\nd\n');
    for (const [k, [width, height]] of [
      [61, 47],
      [128, 96],
      [33, 201],
    ].entries()) {
      const rgb = Uint8Array.from({ length: width * height * 3 }, () => rng.int(0, 256));
      const truth = Uint8Array.from({ length: width * height }, () =>
        rng.next() < 0.1 ? 255 : rng.int(0, 6),
      );
      writeFileSync(
        join(root, 'img', `im${k}.png`),
        encodePng({ width, height, data: rgb, channels: 3, depth: 8 }),
      );
      writeFileSync(
        join(root, 'lab', `im${k}.png`),
        encodePng({ width, height, data: truth, channels: 1, depth: 8 }),
      );
    }
    const run = async (name: string, ...extra: string[]): Promise<EvalJson> => {
      const json = join(root, `${name}.json`);
      const r = await cli(
        'eval',
        model,
        '--images',
        join(root, 'img'),
        '--labels',
        join(root, 'lab'),
        '--classes',
        join(root, 'classes.txt'),
        '--json',
        json,
        ...extra,
      );
      expect(r.code, r.err.join('\n')).toBe(0);
      return JSON.parse(readFileSync(json, 'utf8')) as EvalJson;
    };
    const ref = await run('ref', '--metrics-kernel', 'ref');
    const gpuRun = await run('gpu', '--metrics-kernel', 'webgpu');
    expect(ref.evaluated).toBe(3);
    expect(ref.metrics.skipped.unknownTruth).toBeGreaterThan(0);
    expect(ref.metrics.skipped.badPrediction).toBeGreaterThan(0);
    expect(gpuRun.metricsKernel).toBe('webgpu');
    expect(gpuRun.metrics.kernel).toBe('webgpu');
    expect({ ...gpuRun.metrics, kernel: 'ref' }).toEqual(ref.metrics);
  });
});
