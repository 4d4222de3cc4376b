/**
 * Portrait effects from a soft person mask (browser-safe): the background blurred behind a sharp
 * person, and a coloured overlay of the person. The mask's confidence is used as alpha, so the
 * person's edge blends smoothly instead of showing a hard threshold.
 */
import { InputError } from '../errors.js';
import type { RgbImage } from '../io/image.js';
import type { PersonMask } from '../zoo/selfie.js';

export interface BlurOptions {
  /** Box radius in pixels (window 2r+1); default about 1/48 of the longer side, at least 2. */
  radius?: number;
  /** Box passes per axis; 3 approximate a gaussian of sigma ≈ r·√(passes/3). Default 3. */
  passes?: number;
}

export interface OverlayOptions {
  /** RGB 0..255, default green. */
  color?: readonly [number, number, number];
  /** Blend strength at confidence 1, in [0, 1]; default 0.5. */
  alpha?: number;
}

function checkImage(image: RgbImage, what: string): void {
  const { width, height, data } = image;
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) {
    throw new InputError(`${what} size must be positive integers, got ${width}x${height}`);
  }
  if (data.length !== width * height * 3) {
    throw new InputError(
      `${what} is ${width}x${height} but has ${data.length} bytes (expected ${width * height * 3}: RGB, 3 per pixel)`,
    );
  }
}

function checkMask(mask: PersonMask): void {
  const { width, height, confidence } = mask;
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) {
    throw new InputError(`mask size must be positive integers, got ${width}x${height}`);
  }
  if (confidence.length !== width * height) {
    throw new InputError(
      `mask is ${width}x${height} but has ${confidence.length} confidence values (expected ${width * height})`,
    );
  }
}

/** Clamp to [0, 1]; NaN counts as background. */
function clamp01(c: number): number {
  return c > 0 ? Math.min(c, 1) : 0;
}

/**
 * The mask's confidence at width x height: bilinear, pixel centres aligned (as `resizeBilinear`
 * does for images). Returns the mask itself when the size already matches.
 */
export function resizeConfidence(mask: PersonMask, width: number, height: number): PersonMask {
  checkMask(mask);
  if (mask.width === width && mask.height === height) return mask;
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) {
    throw new InputError(`target size must be positive integers, got ${width}x${height}`);
  }
  const src = mask.confidence;
  const out = new Float32Array(width * height);
  const sx = mask.width / width;
  const sy = mask.height / height;
  for (let y = 0; y < height; y++) {
    const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), mask.height - 1);
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, mask.height - 1);
    const wy = fy - y0;
    for (let x = 0; x < width; x++) {
      const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), mask.width - 1);
      const x0 = Math.floor(fx);
      const x1 = Math.min(x0 + 1, mask.width - 1);
      const wx = fx - x0;
      const top =
        (src[y0 * mask.width + x0] as number) * (1 - wx) + (src[y0 * mask.width + x1] as number) * wx;
      const bot =
        (src[y1 * mask.width + x0] as number) * (1 - wx) + (src[y1 * mask.width + x1] as number) * wx;
      out[y * width + x] = top * (1 - wy) + bot * wy;
    }
  }
  return { width, height, confidence: out };
}

/**
 * One horizontal box pass over every row of interleaved RGB (edges clamped), with a running sum
 * per channel: O(n) for any radius.
 */
function boxRows(src: Float32Array, dst: Float32Array, width: number, height: number, r: number): void {
  const inv = 1 / (2 * r + 1);
  const last = 3 * (width - 1);
  for (let y = 0; y < height; y++) {
    const row = 3 * y * width;
    for (let c = 0; c < 3; c++) {
      const o = row + c;
      const first = src[o] as number;
      const end = src[o + last] as number;
      let sum = 0;
      for (let i = -r; i <= r; i++) sum += src[o + 3 * Math.min(Math.max(i, 0), width - 1)] as number;
      for (let x = 0; x < width; x++) {
        dst[o + 3 * x] = sum * inv;
        const add = x + r + 1;
        const sub = x - r;
        sum +=
          (add < width ? (src[o + 3 * add] as number) : end) -
          (sub > 0 ? (src[o + 3 * sub] as number) : first);
      }
    }
  }
}

/**
 * One vertical box pass: a running sum per column (interleaved channels are just more columns),
 * walking whole rows, which keeps memory access sequential.
 */
function boxCols(src: Float32Array, dst: Float32Array, cols: number, height: number, r: number): void {
  const inv = 1 / (2 * r + 1);
  const sums = new Float64Array(cols);
  const rowAt = (y: number) => Math.min(Math.max(y, 0), height - 1) * cols;
  for (let i = -r; i <= r; i++) {
    const o = rowAt(i);
    for (let x = 0; x < cols; x++) sums[x] = (sums[x] as number) + (src[o + x] as number);
  }
  for (let y = 0; y < height; y++) {
    const out = y * cols;
    const add = rowAt(y + r + 1);
    const sub = rowAt(y - r);
    for (let x = 0; x < cols; x++) {
      const v = sums[x] as number;
      dst[out + x] = v * inv;
      sums[x] = v + (src[add + x] as number) - (src[sub + x] as number);
    }
  }
}

/**
 * The image blurred with repeated separable box filters (3 passes ≈ gaussian), edges clamped:
 * a constant image stays constant. Rounded back to 8 bits.
 */
export function boxBlur(image: RgbImage, options: BlurOptions = {}): RgbImage {
  checkImage(image, 'image');
  const { width, height } = image;
  const radius = options.radius ?? Math.max(2, Math.round(Math.max(width, height) / 48));
  const passes = options.passes ?? 3;
  if (!(Number.isInteger(radius) && radius >= 0)) {
    throw new InputError(`blur radius must be a non-negative integer, got ${radius}`);
  }
  if (!(Number.isInteger(passes) && passes >= 1 && passes <= 8)) {
    throw new InputError(`blur passes must be an integer in 1..8, got ${passes}`);
  }
  const a = Float32Array.from(image.data);
  const b = new Float32Array(a.length);
  if (radius > 0) {
    for (let pass = 0; pass < passes; pass++) {
      boxRows(a, b, width, height, radius);
      boxCols(b, a, 3 * width, height, radius);
    }
  }
  const out = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = Math.round(a[i] as number);
  return { width, height, data: out };
}

/**
 * Portrait effect: out = c·image + (1 − c)·boxBlur(image), c = the mask's confidence (resized
 * bilinearly to the image when the sizes differ). Where c = 1 the pixel is untouched; where c = 0
 * it is the blurred pixel.
 */
export function blurBackground(image: RgbImage, mask: PersonMask, options: BlurOptions = {}): RgbImage {
  checkImage(image, 'image');
  const conf = resizeConfidence(mask, image.width, image.height).confidence;
  const blurred = boxBlur(image, options).data;
  const data = new Uint8Array(image.data.length);
  for (let p = 0; p < conf.length; p++) {
    const c = clamp01(conf[p] as number);
    for (let k = 3 * p; k < 3 * p + 3; k++) {
      data[k] = Math.round(c * (image.data[k] as number) + (1 - c) * (blurred[k] as number));
    }
  }
  return { width: image.width, height: image.height, data };
}

/** The person tinted: out = (1 − a)·image + a·colour with a = alpha·confidence. */
export function personOverlay(image: RgbImage, mask: PersonMask, options: OverlayOptions = {}): RgbImage {
  checkImage(image, 'image');
  const alpha = options.alpha ?? 0.5;
  const color = options.color ?? [0, 255, 0];
  if (!(alpha >= 0 && alpha <= 1)) throw new InputError(`overlay alpha must be in [0, 1], got ${alpha}`);
  if (color.length !== 3 || !color.every((v) => Number.isFinite(v) && v >= 0 && v <= 255)) {
    throw new InputError(`overlay color must be three numbers in 0..255, got [${color.join(', ')}]`);
  }
  const conf = resizeConfidence(mask, image.width, image.height).confidence;
  const data = new Uint8Array(image.data.length);
  for (let p = 0; p < conf.length; p++) {
    const a = alpha * clamp01(conf[p] as number);
    for (let c = 0; c < 3; c++) {
      const k = 3 * p + c;
      data[k] = Math.round((1 - a) * (image.data[k] as number) + a * (color[c] as number));
    }
  }
  return { width: image.width, height: image.height, data };
}
