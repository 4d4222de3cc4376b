import { type DecodedPng, decode as decodePngRaw } from 'fast-png';
import jpeg from 'jpeg-js';
import { Tensor } from '../engine/tensor.js';
import { ImageFormatError, InputError } from '../errors.js';

/** 8-bit RGB pixels, row-major, 3 bytes per pixel. */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

export type ImageKind = 'png' | 'jpeg';

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** What the first bytes say the file is: png, jpeg, or a description of what was found instead. */
export function sniffImage(bytes: Uint8Array): ImageKind | { found: string } {
  if (PNG_MAGIC.every((b, i) => bytes[i] === b)) return 'png';
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  return { found: describeBytes(bytes) };
}

function describeBytes(bytes: Uint8Array): string {
  if (bytes.length === 0) return 'an empty file';
  const ascii = (a: number, b: number) => String.fromCharCode(...bytes.subarray(a, b));
  const known: [boolean, string][] = [
    [ascii(0, 4) === 'GIF8', 'a GIF image'],
    [ascii(0, 2) === 'BM', 'a BMP image'],
    [ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP', 'a WebP image'],
    [ascii(0, 4) === 'II*\0' || ascii(0, 4) === 'MM\0*', 'a TIFF image'],
    [ascii(4, 8) === 'ftyp', 'an ISO media file (HEIC/AVIF/MP4)'],
    [bytes[0] === 0x93 && ascii(1, 6) === 'NUMPY', 'a .npy array'],
  ];
  const hit = known.find(([ok]) => ok);
  const hex = Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ');
  return hit ? `${hit[1]} (first bytes ${hex})` : `unknown content (first bytes ${hex})`;
}

/** Decodes a PNG or JPEG (picked by its magic bytes) into 8-bit RGB; alpha is dropped. */
export function decodeImage(bytes: Uint8Array): RgbImage {
  const kind = sniffImage(bytes);
  if (typeof kind !== 'string') {
    throw new ImageFormatError(`not a PNG or JPEG image: found ${kind.found}`);
  }
  try {
    return kind === 'png' ? decodePng(bytes) : decodeJpeg(bytes);
  } catch (e) {
    if (e instanceof ImageFormatError) throw e;
    throw new ImageFormatError(`cannot decode the ${kind.toUpperCase()} image: ${(e as Error).message}`);
  }
}

/**
 * A baseline JPEG codes every 8x8 block with at least 2 bits (a DC code and an end-of-block code),
 * so a frame header (SOF0/SOF1) that promises more blocks than the file has bits for is corrupt:
 * rejected here before jpeg-js allocates the frame (hundreds of MB for a forged header).
 * Progressive files (EOB runs skip many blocks per code) are left to jpeg-js's own limits.
 */
function checkJpegHeader(bytes: Uint8Array): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let frame: { width: number; height: number; sampling: [number, number][] } | undefined;
  for (let at = 2; at + 4 <= bytes.length && bytes[at] === 0xff; ) {
    const marker = bytes[at + 1] as number;
    if (marker === 0xff) {
      at++; // fill byte
      continue;
    }
    if (marker === 0xda) {
      if (!frame) return;
      const { width, height, sampling } = frame;
      const hMax = Math.max(...sampling.map(([h]) => h), 1);
      const vMax = Math.max(...sampling.map(([, v]) => v), 1);
      const blocks = sampling.reduce(
        (n, [h, v]) => n + Math.ceil((width * h) / hMax / 8) * Math.ceil((height * v) / vMax / 8),
        0,
      );
      if (blocks / 4 > bytes.length - at) {
        throw new ImageFormatError(
          `cannot decode the JPEG image: its frame header says ${width}x${height} pixels, more than its ${bytes.length - at} bytes of scan data can hold (truncated or corrupt file)`,
        );
      }
      return;
    }
    const length = view.getUint16(at + 2);
    if ((marker === 0xc0 || marker === 0xc1) && at + 10 <= bytes.length) {
      const components = bytes[at + 9] as number;
      const sampling: [number, number][] = [];
      for (let c = 0; c < components && at + 12 + 3 * c <= bytes.length; c++) {
        const hv = bytes[at + 11 + 3 * c] as number;
        sampling.push([hv >> 4, hv & 15]);
      }
      frame = { height: view.getUint16(at + 5), width: view.getUint16(at + 7), sampling };
    }
    at += 2 + length;
  }
}

export function decodeJpeg(bytes: Uint8Array): RgbImage {
  checkJpegHeader(bytes);
  let img: { width: number; height: number; data: Uint8Array };
  try {
    img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: false });
  } catch (e) {
    // jpeg-js throws Errors with a reason, but a corrupt scan can also make it read past its tables.
    const reason =
      e instanceof TypeError || e instanceof RangeError
        ? 'the data is corrupt or truncated'
        : (e as Error).message;
    throw new ImageFormatError(`cannot decode the JPEG image: ${reason}`);
  }
  return { width: img.width, height: img.height, data: img.data };
}

/** Deflate expands at most 1032:1, so IDAT data of n bytes holds at most this many bytes of pixels. */
const MAX_INFLATE_RATIO = 1032;

/** Channels of each PNG colour type: 0 gray, 2 RGB, 3 palette, 4 gray+alpha, 6 RGBA. */
const PNG_CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/**
 * Checks what fast-png takes on trust before it allocates: the IHDR sizes (at least 1, at most
 * 2^31 - 1) and that the IDAT data can inflate to the pixels IHDR promises, so a corrupt header
 * cannot make it allocate gigabytes. Other structural problems are left to fast-png.
 */
function checkPngHeader(bytes: Uint8Array, what: string): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const type = (at: number) => String.fromCharCode(...bytes.subarray(at, at + 4));
  if (!PNG_MAGIC.every((b, i) => bytes[i] === b)) {
    throw new ImageFormatError(`cannot decode the ${what}: it does not start with the PNG signature`);
  }
  if (bytes.length < 8 + 8 + 13 || type(12) !== 'IHDR') {
    throw new ImageFormatError(`cannot decode the ${what}: the IHDR header chunk is missing or cut off`);
  }
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  if (width === 0 || height === 0 || width > 0x7fffffff || height > 0x7fffffff) {
    throw new ImageFormatError(
      `cannot decode the ${what}: its header (IHDR) says ${width}x${height} pixels; sizes must be 1 to 2^31-1`,
    );
  }
  const channels = PNG_CHANNELS[bytes[25] as number];
  if (channels === undefined) return; // an unknown colour type: fast-png names it
  let idat = 0;
  for (let at = 8; at + 8 <= bytes.length; ) {
    const length = view.getUint32(at);
    if (type(at + 4) === 'IDAT') idat += length;
    at += 12 + length;
  }
  const pixelBytes = height * Math.ceil((width * channels * (bytes[24] as number)) / 8);
  if (pixelBytes > idat * MAX_INFLATE_RATIO + 1024) {
    throw new ImageFormatError(
      `cannot decode the ${what}: its header (IHDR) says ${width}x${height} pixels (${pixelBytes} bytes), more than its ${idat} bytes of IDAT data can hold (truncated or corrupt file)`,
    );
  }
}

/**
 * fast-png's decode with typed errors: every failure is an ImageFormatError whose message starts
 * with "cannot decode the <what>". `what` names the file's role ('PNG image', 'label PNG').
 */
export function decodePngChecked(bytes: Uint8Array, what = 'PNG image'): DecodedPng {
  checkPngHeader(bytes, what);
  try {
    return decodePngRaw(bytes);
  } catch (e) {
    const message = (e as Error).message;
    // fast-png reads the filter byte of a row past the end of short pixel data as undefined.
    const reason = /filter: undefined/.test(message)
      ? 'the pixel data ends before the last row (truncated or corrupt IDAT data)'
      : e instanceof TypeError || (e instanceof RangeError && /bounds/.test(message))
        ? 'the file is truncated or corrupt'
        : message;
    throw new ImageFormatError(`cannot decode the ${what}: ${reason}`);
  }
}

/** PNG of any colour type and bit depth (1-16, gray, gray+alpha, RGB, RGBA, palette) → RGB8. */
export function decodePng(bytes: Uint8Array): RgbImage {
  const png = decodePngChecked(bytes);
  const { width, height, depth, channels } = png;
  const samples = unpackSamples(png.data, width, height, channels, depth);
  const out = new Uint8Array(width * height * 3);
  if (png.palette) {
    const palette = png.palette;
    for (let p = 0; p < width * height; p++) {
      const color = palette[samples[p] as number];
      if (!color) throw new ImageFormatError(`PNG palette index ${samples[p]} is out of range`);
      out[3 * p] = color[0] as number;
      out[3 * p + 1] = color[1] as number;
      out[3 * p + 2] = color[2] as number;
    }
    return { width, height, data: out };
  }
  const max = 2 ** depth - 1;
  const to8 = depth === 8 ? (v: number) => v : (v: number) => Math.round((v * 255) / max);
  const gray = channels <= 2;
  for (let p = 0; p < width * height; p++) {
    const base = p * channels;
    for (let c = 0; c < 3; c++) out[3 * p + c] = to8(samples[base + (gray ? 0 : c)] as number);
  }
  return { width, height, data: out };
}

/**
 * fast-png returns 8/16-bit samples as is and 1/2/4-bit samples packed with each row padded to a
 * byte; this gives one number per sample in every case.
 */
function unpackSamples(
  data: ArrayLike<number>,
  width: number,
  height: number,
  channels: number,
  depth: number,
): ArrayLike<number> {
  if (depth >= 8) return data;
  const perRow = width * channels;
  const rowBytes = Math.ceil((perRow * depth) / 8);
  const out = new Uint8Array(perRow * height);
  const mask = (1 << depth) - 1;
  for (let y = 0; y < height; y++) {
    for (let i = 0; i < perRow; i++) {
      const bit = i * depth;
      const byte = data[y * rowBytes + (bit >> 3)] as number;
      out[y * perRow + i] = (byte >> (8 - depth - (bit & 7))) & mask;
    }
  }
  return out;
}

/** Bilinear resize with half-pixel centres (align_corners = false), rounding back to 8 bits. */
export function resizeBilinear(img: RgbImage, height: number, width: number): RgbImage {
  if (!(Number.isInteger(height) && Number.isInteger(width) && height > 0 && width > 0)) {
    throw new InputError(`cannot resize an image to ${height}x${width}: sizes must be positive integers`);
  }
  if (height === img.height && width === img.width) return { width, height, data: img.data.slice() };
  const out = new Uint8Array(width * height * 3);
  const sy = img.height / height;
  const sx = img.width / width;
  const xs = Array.from({ length: width }, (_, x) => axisWeights((x + 0.5) * sx - 0.5, img.width));
  for (let y = 0; y < height; y++) {
    const [y0, y1, wy] = axisWeights((y + 0.5) * sy - 0.5, img.height);
    for (let x = 0; x < width; x++) {
      const [x0, x1, wx] = xs[x] as [number, number, number];
      for (let c = 0; c < 3; c++) {
        const at = (yy: number, xx: number) => img.data[(yy * img.width + xx) * 3 + c] as number;
        const top = at(y0, x0) * (1 - wx) + at(y0, x1) * wx;
        const bottom = at(y1, x0) * (1 - wx) + at(y1, x1) * wx;
        out[(y * width + x) * 3 + c] = Math.round(top * (1 - wy) + bottom * wy);
      }
    }
  }
  return { width, height, data: out };
}

/** Source coordinate → the two neighbours (clamped to the edge) and the weight of the second. */
function axisWeights(src: number, size: number): [number, number, number] {
  const s = Math.min(Math.max(src, 0), size - 1);
  const i0 = Math.floor(s);
  const i1 = Math.min(i0 + 1, size - 1);
  return [i0, i1, s - i0];
}

export interface ImageToTensorOptions {
  /** [height, width] to resize to (bilinear); default: keep the image's size. */
  size?: readonly [number, number];
  /** Per-channel mean subtracted after scaling (default: ImageNet's). */
  mean?: readonly number[];
  /** Per-channel standard deviation divided by (default: ImageNet's). */
  std?: readonly number[];
  /** Factor applied to the 0-255 pixel values first (default 1/255). */
  scale?: number;
  /** NCHW (default) gives (1, 3, H, W); NHWC gives (1, H, W, 3). */
  layout?: 'NCHW' | 'NHWC';
}

export const IMAGENET_MEAN = [0.485, 0.456, 0.406] as const;
export const IMAGENET_STD = [0.229, 0.224, 0.225] as const;

/** (pixel * scale - mean[c]) / std[c] as a float32 batch of one. */
export function imageToTensor(img: RgbImage, options: ImageToTensorOptions = {}): Tensor<'float32'> {
  const mean = options.mean ?? IMAGENET_MEAN;
  const std = options.std ?? IMAGENET_STD;
  const scale = options.scale ?? 1 / 255;
  if (mean.length !== 3 || std.length !== 3) {
    throw new InputError(`mean and std need 3 values (r, g, b), got ${mean.length} and ${std.length}`);
  }
  if (std.some((s) => s === 0 || !Number.isFinite(s))) {
    throw new InputError(`std must be finite and non-zero, got [${std.join(', ')}]`);
  }
  const src = options.size ? resizeBilinear(img, options.size[0], options.size[1]) : img;
  const { width: w, height: h } = src;
  const plane = w * h;
  const data = new Float32Array(plane * 3);
  const nchw = (options.layout ?? 'NCHW') === 'NCHW';
  for (let p = 0; p < plane; p++) {
    for (let c = 0; c < 3; c++) {
      const v = ((src.data[p * 3 + c] as number) * scale - (mean[c] as number)) / (std[c] as number);
      data[nchw ? c * plane + p : p * 3 + c] = v;
    }
  }
  return new Tensor('float32', nchw ? [1, 3, h, w] : [1, h, w, 3], data);
}
