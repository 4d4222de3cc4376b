import type { Session } from '../engine/session.js';
import { Tensor } from '../engine/tensor.js';
import { InputError } from '../errors.js';
import type { RgbImage } from '../io/image.js';

/**
 * MediaPipe's selfie segmentation pipeline (mediapipe/modules/selfie_segmentation/
 * selfie_segmentation_gpu.pbtxt, the graph the @mediapipe/selfie_segmentation web solution runs):
 *   ImageToTensor: the whole image stretched to the model size (keep_aspect_ratio: false), bilinear
 *     texture sampling (half-pixel centres, no antialiasing), RGB in [0, 1], NHWC; at the edges the
 *     web build clamps (its BORDER_ZERO only zeroes samples outside the image, and the whole-image
 *     ROI never samples there; WebGL 2 has no CLAMP_TO_BORDER);
 *   the model (output 1xHxWx1, already a sigmoid confidence);
 *   TensorsToSegmentation (activation NONE): the small mask upsampled to the image size by bilinear
 *     texture sampling (again half-pixel centres, clamp to edge), stored clamped to [0, 1].
 * Checked against MediaPipe itself in Chromium by test/zoo/selfie-oracle.test.ts.
 */
export const SELFIE_MODELS = {
  general: { file: 'selfie_segmentation.tflite', width: 256, height: 256 },
  landscape: { file: 'selfie_segmentation_landscape.tflite', width: 256, height: 144 },
} as const;

/** Person confidence per image pixel, row-major, in [0, 1]. */
export interface PersonMask {
  width: number;
  height: number;
  confidence: Float32Array;
}

/** The model input: the image stretched to width x height (bilinear), RGB / 255, shape 1xHxWx3. */
export function selfieInput(image: RgbImage, width: number, height: number): Tensor<'float32'> {
  checkSize('selfie model input', width, height);
  checkImage(image);
  const out = new Float32Array(width * height * 3);
  const xs = axisTaps(image.width, width);
  const ys = axisTaps(image.height, height);
  const src = image.data;
  for (let y = 0; y < height; y++) {
    const [r0, r1, wy] = ys[y] as Tap;
    const row0 = r0 * image.width;
    const row1 = r1 * image.width;
    for (let x = 0; x < width; x++) {
      const [c0, c1, wx] = xs[x] as Tap;
      const o = (y * width + x) * 3;
      for (let c = 0; c < 3; c++) {
        const top =
          (src[(row0 + c0) * 3 + c] as number) * (1 - wx) + (src[(row0 + c1) * 3 + c] as number) * wx;
        const bot =
          (src[(row1 + c0) * 3 + c] as number) * (1 - wx) + (src[(row1 + c1) * 3 + c] as number) * wx;
        out[o + c] = (top * (1 - wy) + bot * wy) / 255;
      }
    }
  }
  return new Tensor('float32', [1, height, width, 3], out);
}

/** Runs the selfie model on the image; the input size comes from the session's input shape. */
export async function segmentPerson(session: Session, image: RgbImage): Promise<PersonMask> {
  const info = session.inputs[0];
  if (!info || session.inputs.length !== 1) {
    throw new InputError(`a selfie model has one input, this model has ${session.inputs.length}`);
  }
  const [n, h, w, c] = info.shape;
  if (info.shape.length !== 4 || n !== 1 || c !== 3 || typeof h !== 'number' || typeof w !== 'number') {
    throw new InputError(
      `a selfie model takes a 1xHxWx3 image (NHWC, fixed H and W); input '${info.name}' is [${info.shape.join(', ')}]`,
    );
  }
  if (info.dtype !== 'float32') {
    throw new InputError(`a selfie model takes float32 input; input '${info.name}' is ${info.dtype}`);
  }
  const outputs = await session.run({ [info.name]: selfieInput(image, w, h) });
  const first = session.outputs[0]?.name;
  const output = first === undefined ? undefined : outputs[first];
  if (!output) throw new InputError('the selfie model produced no output');
  return personMaskFromOutput(output, image.width, image.height);
}

/** The model's 1xHxWx1 confidence (or any shape with H and W and ones elsewhere) upsampled to the image. */
export function personMaskFromOutput(output: Tensor, imageWidth: number, imageHeight: number): PersonMask {
  checkSize('person mask', imageWidth, imageHeight);
  if (output.dtype !== 'float32' && output.dtype !== 'float64') {
    throw new InputError(`a selfie model output must be float32, got ${output.dtype}`);
  }
  const [h, w] = spatialDims(output.dims);
  const src = output.data as Float32Array | Float64Array;
  const confidence = new Float32Array(imageWidth * imageHeight);
  const xs = axisTaps(w, imageWidth);
  const ys = axisTaps(h, imageHeight);
  for (let y = 0; y < imageHeight; y++) {
    const [r0, r1, wy] = ys[y] as Tap;
    for (let x = 0; x < imageWidth; x++) {
      const [c0, c1, wx] = xs[x] as Tap;
      const top = (src[r0 * w + c0] as number) * (1 - wx) + (src[r0 * w + c1] as number) * wx;
      const bot = (src[r1 * w + c0] as number) * (1 - wx) + (src[r1 * w + c1] as number) * wx;
      const v = top * (1 - wy) + bot * wy;
      // MediaPipe stores the mask in an 8-bit texture, which clamps; NaN stays visible as NaN.
      confidence[y * imageWidth + x] = v < 0 ? 0 : Math.min(v, 1);
    }
  }
  return { width: imageWidth, height: imageHeight, confidence };
}

/** [height, width] of a one-channel map: [1,H,W,1] (TFLite), [1,1,H,W], [H,W,1], [1,H,W] or [H,W]. */
function spatialDims(dims: readonly number[]): [number, number] {
  const d = dims;
  const hw =
    d.length === 4 && d[0] === 1
      ? d[3] === 1
        ? [d[1], d[2]]
        : d[1] === 1
          ? [d[2], d[3]]
          : undefined
      : d.length === 3
        ? d[2] === 1
          ? [d[0], d[1]]
          : d[0] === 1
            ? [d[1], d[2]]
            : undefined
        : d.length === 2
          ? [d[0], d[1]]
          : undefined;
  if (!hw?.every((v) => v !== undefined && v >= 1)) {
    throw new InputError(
      `a selfie model output must be a one-channel map like 1xHxWx1, got [${dims.join(', ')}]`,
    );
  }
  return [hw[0] as number, hw[1] as number];
}

/** For each output pixel: the two source neighbours (clamped) and the second's weight, as GL_LINEAR samples. */
type Tap = [number, number, number];
function axisTaps(srcSize: number, dstSize: number): Tap[] {
  const scale = srcSize / dstSize;
  return Array.from({ length: dstSize }, (_, i) => {
    const s = Math.min(Math.max((i + 0.5) * scale - 0.5, 0), srcSize - 1);
    const i0 = Math.floor(s);
    return [i0, Math.min(i0 + 1, srcSize - 1), s - i0];
  });
}

function checkSize(what: string, width: number, height: number): void {
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) {
    throw new InputError(`${what} size must be positive integers, got ${width}x${height}`);
  }
}

function checkImage(image: RgbImage): void {
  checkSize('image', image.width, image.height);
  if (image.data.length !== image.width * image.height * 3) {
    throw new InputError(
      `an RGB image of ${image.width}x${image.height} needs ${image.width * image.height * 3} bytes, got ${image.data.length}`,
    );
  }
}
