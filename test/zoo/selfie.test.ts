import { describe, expect, it } from 'vitest';
import { Session } from '../../src/engine/session.js';
import { Tensor } from '../../src/engine/tensor.js';
import { InputError } from '../../src/errors.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import type { RgbImage } from '../../src/io/image.js';
import { personMaskFromOutput, SELFIE_MODELS, segmentPerson, selfieInput } from '../../src/zoo/selfie.js';

/** Hand-computed checks of the pre/post-processing; test/zoo/selfie-oracle.test.ts checks it against MediaPipe. */

/** An image whose pixel (x, y) channel c is f(x, y, c). */
function image(width: number, height: number, f: (x: number, y: number, c: number) => number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) for (let c = 0; c < 3; c++) data[(y * width + x) * 3 + c] = f(x, y, c);
  }
  return { width, height, data };
}

describe('selfieInput', () => {
  it('keeps the size: RGB / 255 as 1xHxWx3 (NHWC)', () => {
    const img = image(3, 2, (x, y, c) => 10 * x + 100 * y + c);
    const t = selfieInput(img, 3, 2);
    expect(t.dims).toEqual([1, 2, 3, 3]);
    expect(Array.from(t.data)).toEqual(Array.from(img.data, (v) => Math.fround(v / 255)));
  });

  it('halving averages 2x2 blocks (half-pixel centres), stretching the aspect ratio', () => {
    // 4 wide, 2 high → 2 wide, 1 high: each output pixel is the mean of a 2x2 block.
    const img = image(4, 2, (x, y, c) => [0, 40, 80, 120][x]! + 10 * y + c);
    const t = selfieInput(img, 2, 1);
    expect(t.dims).toEqual([1, 1, 2, 3]);
    const want = [0, 1, 2].map((c) => (0 + 40 + 10 + 50 + 4 * c) / 4 / 255);
    const want2 = [0, 1, 2].map((c) => (80 + 120 + 90 + 130 + 4 * c) / 4 / 255);
    expect(Array.from(t.data)).toEqual([...want, ...want2].map(Math.fround));
  });

  it('upsampling interpolates between neighbours and clamps at the edges', () => {
    // 2 wide → 4 wide: sample positions -0.25, 0.25, 0.75, 1.25 → clamped 0, 0.25, 0.75, 1.
    const img = image(2, 1, (x) => (x === 0 ? 0 : 200));
    const t = selfieInput(img, 4, 1);
    const red = [0, 1, 2, 3].map((i) => t.data[i * 3]);
    expect(red).toEqual([0, 50, 150, 200].map((v) => Math.fround(v / 255)));
  });

  it('rejects bad sizes and short pixel buffers', () => {
    const img = image(2, 2, () => 0);
    expect(() => selfieInput(img, 0, 4)).toThrow(InputError);
    expect(() => selfieInput(img, 2.5, 4)).toThrow(/positive integers/);
    expect(() => selfieInput({ width: 2, height: 2, data: new Uint8Array(11) }, 4, 4)).toThrow(
      /needs 12 bytes, got 11/,
    );
  });
});

describe('personMaskFromOutput', () => {
  it('upsamples bilinearly with half-pixel centres to the image size', () => {
    const out = Tensor.fromNumbers('float32', [1, 2, 2, 1], [0, 1, 0, 1]);
    const mask = personMaskFromOutput(out, 4, 2);
    expect([mask.width, mask.height]).toEqual([4, 2]);
    expect(Array.from(mask.confidence)).toEqual([0, 0.25, 0.75, 1, 0, 0.25, 0.75, 1]);
  });

  it('reads H and W in order from NHWC and NCHW one-channel maps', () => {
    // 1 high, 2 wide: a left-to-right ramp must stay horizontal.
    for (const dims of [
      [1, 1, 2, 1],
      [1, 1, 1, 2],
      [1, 2, 1],
      [1, 2],
    ]) {
      const mask = personMaskFromOutput(Tensor.fromNumbers('float32', dims, [0.2, 0.6]), 2, 2);
      expect(Array.from(mask.confidence), `dims [${dims}]`).toEqual([0.2, 0.6, 0.2, 0.6].map(Math.fround));
    }
  });

  it("clamps to [0, 1] like MediaPipe's 8-bit mask texture", () => {
    const mask = personMaskFromOutput(Tensor.fromNumbers('float32', [1, 1, 2, 1], [-0.5, 1.5]), 2, 1);
    expect(Array.from(mask.confidence)).toEqual([0, 1]);
  });

  it('rejects multi-channel maps, batches and integer outputs', () => {
    expect(() =>
      personMaskFromOutput(new Tensor('float32', [1, 4, 4, 2], new Float32Array(32)), 4, 4),
    ).toThrow(/one-channel map like 1xHxWx1, got \[1, 4, 4, 2\]/);
    expect(() =>
      personMaskFromOutput(new Tensor('float32', [2, 4, 4, 1], new Float32Array(32)), 4, 4),
    ).toThrow(InputError);
    expect(() => personMaskFromOutput(new Tensor('int32', [1, 4, 4, 1], new Int32Array(16)), 4, 4)).toThrow(
      /must be float32, got int32/,
    );
    expect(() =>
      personMaskFromOutput(new Tensor('float32', [1, 4, 4, 1], new Float32Array(16)), 0, 4),
    ).toThrow(InputError);
  });
});

describe('segmentPerson', () => {
  /** A stand-in selfie model: the mean of R, G, B per pixel (1xHxWx3 → 1xHxWx1). */
  function meanModel(height: number, width: number) {
    const b = new GraphBuilder('mean-rgb');
    const x = b.input('image', [1, height, width, 3]);
    b.output(b.op('ReduceMean', [x], { axes: [3], keepdims: 1 }));
    return b.build();
  }

  it('feeds the model at its own input size and returns a mask at the image size', async () => {
    // Model 4 high x 6 wide; image 12 wide x 8 high: a horizontal ramp that must stay horizontal.
    const session = await Session.create(meanModel(4, 6), { backend: 'ref' });
    const img = image(12, 8, (x) => 20 * x);
    const mask = await segmentPerson(session, img);
    session.release();
    expect([mask.width, mask.height]).toEqual([12, 8]);
    const want = personMaskFromOutput(
      Tensor.fromNumbers(
        'float32',
        [1, 4, 6, 1],
        Array.from({ length: 24 }, (_, i) => (40 * (i % 6) + 10) / 255),
      ),
      12,
      8,
    );
    expect(Array.from(mask.confidence)).toEqual(Array.from(want.confidence));
    expect(mask.confidence[11]).toBeCloseTo(210 / 255, 6); // right edge: 40 * 5 + 10
  });

  it('rejects models that do not take a 1xHxWx3 image', async () => {
    const b = new GraphBuilder('nchw');
    const x = b.input('image', [1, 3, 8, 8]);
    b.output(b.op('Relu', [x]));
    const session = await Session.create(b.build(), { backend: 'ref' });
    await expect(
      segmentPerson(
        session,
        image(8, 8, () => 0),
      ),
    ).rejects.toThrow(/1xHxWx3 image .*\[1, 3, 8, 8\]/);
    session.release();
  });

  it('names the bundled models with their input sizes', () => {
    expect(SELFIE_MODELS.general).toEqual({ file: 'selfie_segmentation.tflite', width: 256, height: 256 });
    expect(SELFIE_MODELS.landscape).toEqual({
      file: 'selfie_segmentation_landscape.tflite',
      width: 256,
      height: 144,
    });
  });
});
