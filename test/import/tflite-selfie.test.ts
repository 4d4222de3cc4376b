import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Session } from '../../src/engine/session.js';
import { Tensor } from '../../src/engine/tensor.js';
import { importModel } from '../../src/graph/import/index.js';
import { builtinName } from '../../src/graph/import/tflite-enums.js';
import { readTflModel } from '../../src/graph/import/tflite-schema.js';
import { optimizeGraph } from '../../src/graph/passes/index.js';
import { decodeImage, resizeBilinear } from '../../src/io/image.js';
import { relativeError } from '../helpers/compare.js';
import { runOrt } from '../helpers/ort.js';
import { webgpuSkipReason } from '../webgpu/helpers.js';

/**
 * MediaPipe's selfie segmentation models (assets/, Apache-2.0) through the TFLite importer: the
 * ops they use, agreement between backends, and a sanity check of the mask on a bundled photo.
 * (The comparison against MediaPipe's own runtime lives with the zoo's oracle test.)
 */

const MODELS = [
  { file: 'selfie_segmentation.tflite', input: 'input_1', output: 'activation_10', hw: [256, 256] },
  { file: 'selfie_segmentation_landscape.tflite', input: 'input_1', output: 'segment_back', hw: [144, 256] },
] as const;

const bytesOf = (file: string) =>
  new Uint8Array(readFileSync(new URL(`../../assets/${file}`, import.meta.url)));

/** The astronaut photo squashed to h x w, RGB in [0, 1], NHWC (what the model expects). */
function astronaut(h: number, w: number): Tensor<'float32'> {
  const img = resizeBilinear(decodeImage(bytesOf('astronaut.png')), h, w);
  return new Tensor(
    'float32',
    [1, h, w, 3],
    Float32Array.from(img.data, (v) => v / 255),
  );
}

/** Fraction of mask values > 0.5 in rows [y0, y1) x cols [x0, x1), boxes given as fractions of the image. */
function fractionAbove(mask: Tensor, h: number, w: number, box: [number, number, number, number]): number {
  const [fy0, fy1, fx0, fx1] = box;
  let hits = 0;
  let n = 0;
  for (let y = Math.floor(fy0 * h); y < Math.floor(fy1 * h); y++)
    for (let x = Math.floor(fx0 * w); x < Math.floor(fx1 * w); x++) {
      hits += mask.get(y * w + x) > 0.5 ? 1 : 0;
      n++;
    }
  return hits / n;
}

describe('MediaPipe selfie segmentation (TFLite import)', () => {
  let gpuSkip: string | undefined;
  beforeAll(async () => {
    gpuSkip = await webgpuSkipReason();
  });

  it('uses the ops atrous maps: fp16 weights, MediaPipe transpose conv; imports with 2 Transposes', () => {
    for (const m of MODELS) {
      const model = readTflModel(bytesOf(m.file));
      const ops = new Set(
        model.subgraphs[0]?.operators.map((op) => {
          const c = model.operatorCodes[op.opcodeIndex];
          return c?.custom || builtinName(c?.builtin ?? -1);
        }),
      );
      const pool = m.file.includes('landscape') ? 'MEAN' : 'AVERAGE_POOL_2D';
      expect([...ops].sort()).toEqual(
        [
          'ADD',
          pool,
          'CONV_2D',
          'Convolution2DTransposeBias',
          'DEPTHWISE_CONV_2D',
          'DEQUANTIZE',
          'HARD_SWISH',
          'LOGISTIC',
          'MUL',
          'RELU',
          'RESIZE_BILINEAR',
        ].sort(),
      );
      const g = importModel(bytesOf(m.file));
      expect(g.inputs).toEqual([{ name: m.input, dtype: 'float32', shape: [1, ...m.hw, 3] }]);
      expect(g.outputs).toEqual([{ name: m.output, dtype: 'float32', shape: [1, ...m.hw, 1] }]);
      expect(g.metadata?.format).toBe('tflite');
      const counts: Record<string, number> = {};
      for (const n of optimizeGraph(g).nodes) counts[n.op] = (counts[n.op] ?? 0) + 1;
      expect(counts).toEqual({
        Transpose: 2,
        Conv: 54,
        GlobalAveragePool: 10,
        Mul: 10,
        Add: 14,
        Resize: 3,
        ConvTranspose: 1,
      });
    }
  });

  for (const m of MODELS) {
    describe(m.file, () => {
      const [h, w] = m.hw;
      const x = astronaut(h, w);
      let ref: Tensor;
      const sessions: Session[] = [];
      afterAll(() => {
        for (const s of sessions) s.release();
      });

      it('ref: confidence in [0, 1]; the person is found, the background is not', async () => {
        const s = await Session.create(bytesOf(m.file), { backend: 'ref' });
        sessions.push(s);
        ref = (await s.run({ [m.input]: x }))[m.output] as Tensor;
        expect(ref.dims).toEqual([1, h, w, 1]);
        for (let i = 0; i < ref.size; i++) {
          const v = ref.get(i);
          if (!(v >= 0 && v <= 1)) throw new Error(`confidence ${v} at ${i} is outside [0, 1]`);
        }
        // Face and upper body: centre-left of the photo. Background: the top-right corner.
        expect(fractionAbove(ref, h, w, [0.1, 0.3, 0.35, 0.55])).toBeGreaterThan(0.9);
        expect(fractionAbove(ref, h, w, [0.55, 0.95, 0.1, 0.5])).toBeGreaterThan(0.9);
        expect(fractionAbove(ref, h, w, [0, 0.2, 0.88, 1])).toBeLessThan(0.02);
        expect(fractionAbove(ref, h, w, [0, 1, 0, 1])).toBeGreaterThan(0.3);
      }, 120_000);

      it('wasm agrees with ref (rel err <= 1e-3)', async () => {
        const s = await Session.create(bytesOf(m.file), { backend: 'wasm' });
        sessions.push(s);
        const got = (await s.run({ [m.input]: x }))[m.output] as Tensor;
        expect(relativeError(got, ref)).toBeLessThanOrEqual(1e-3);
      }, 120_000);

      it('onnxruntime-web, running the imported graph exported as ONNX, agrees with ref', async () => {
        const got = (await runOrt(importModel(bytesOf(m.file)), { [m.input]: x }))[m.output] as Tensor;
        expect(relativeError(got, ref)).toBeLessThanOrEqual(5e-4);
      }, 120_000);

      it('webgpu agrees with ref (rel err <= 1e-3)', async (ctx) => {
        if (gpuSkip) ctx.skip(`webgpu unavailable: ${gpuSkip}`);
        const s = await Session.create(bytesOf(m.file), { backend: 'webgpu' });
        sessions.push(s);
        const got = (await s.run({ [m.input]: x }))[m.output] as Tensor;
        expect(relativeError(got, ref)).toBeLessThanOrEqual(1e-3);
      }, 300_000);
    });
  }
});

describe('the bundled selfie models', () => {
  it('are byte-identical to the ones @mediapipe/selfie_segmentation ships', () => {
    for (const file of ['selfie_segmentation.tflite', 'selfie_segmentation_landscape.tflite']) {
      const bundled = readFileSync(`assets/${file}`);
      const shipped = readFileSync(`node_modules/@mediapipe/selfie_segmentation/${file}`);
      expect(bundled.equals(shipped), file).toBe(true);
    }
  });
});
