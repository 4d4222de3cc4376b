import { encode as encodePng } from 'fast-png';
import type { Tensor } from '../engine/tensor.js';
import { InputError } from '../errors.js';
import type { RgbImage } from './image.js';

/** A label map: one class index per pixel, row-major. */
export interface Mask {
  width: number;
  height: number;
  labels: Uint8Array | Uint16Array;
  /** Number of classes the labels were drawn from (C of the logits). */
  classes: number;
}

/** PASCAL VOC's colour map: the bits of the class index are spread over R, G and B, high bit first. */
export function vocPalette(n = 256): [number, number, number][] {
  const out: [number, number, number][] = [];
  for (let i = 0; i < n; i++) {
    let r = 0;
    let g = 0;
    let b = 0;
    let c = i;
    for (let j = 0; j < 8; j++) {
      r |= (c & 1) << (7 - j);
      g |= ((c >> 1) & 1) << (7 - j);
      b |= ((c >> 2) & 1) << (7 - j);
      c >>= 3;
    }
    out.push([r, g, b]);
  }
  return out;
}

const VOC = vocPalette(256);

/** VOC's map covers 2^24 classes; build a longer one only for masks that need it. */
function defaultPalette(mask: Mask): readonly (readonly number[])[] {
  return mask.classes <= VOC.length ? VOC : vocPalette(mask.classes);
}

function labelArray(size: number, classes: number): Uint8Array | Uint16Array {
  return classes <= 256 ? new Uint8Array(size) : new Uint16Array(size);
}

export interface ArgmaxOptions {
  /** One-channel (sigmoid) outputs: label 1 where the value is above this (default 0, i.e. logits). */
  threshold?: number;
}

/**
 * Per-pixel argmax over the class axis of (1, C, H, W) or (C, H, W) scores; ties go to the lower
 * class. A single channel is a binary mask: 1 where the score exceeds `threshold`.
 */
export function argmaxMask(logits: Tensor, options: ArgmaxOptions = {}): Mask {
  const dims = logits.dims;
  const ok = dims.length === 3 || (dims.length === 4 && dims[0] === 1);
  if (!ok) {
    throw new InputError(
      `argmaxMask expects scores of shape (1, C, H, W) or (C, H, W), got [${dims.join(', ')}]`,
    );
  }
  const [classes, height, width] = dims.slice(-3) as [number, number, number];
  if (classes > 65536) throw new InputError(`argmaxMask supports up to 65536 classes, got ${classes}`);
  const plane = height * width;
  const values: ArrayLike<number> =
    logits.data instanceof BigInt64Array ? Float64Array.from(logits.data, Number) : logits.data;
  if (classes === 1) {
    const threshold = options.threshold ?? 0;
    const labels = new Uint8Array(plane);
    for (let p = 0; p < plane; p++) labels[p] = (values[p] as number) > threshold ? 1 : 0;
    return { width, height, labels, classes: 2 };
  }
  const labels = labelArray(plane, classes);
  const best = new Float64Array(plane).fill(Number.NEGATIVE_INFINITY);
  for (let c = 0; c < classes; c++) {
    const base = c * plane;
    for (let p = 0; p < plane; p++) {
      const v = values[base + p] as number;
      if (v > (best[p] as number)) {
        best[p] = v;
        labels[p] = c;
      }
    }
  }
  return { width, height, labels, classes };
}

/** A model output that already holds labels (after an ArgMax): (H, W), (1, H, W) or (1, 1, H, W). */
export function labelsToMask(t: Tensor): Mask {
  const dims = t.dims;
  const lead = dims.slice(0, -2);
  if (dims.length < 2 || dims.length > 4 || lead.some((d) => d !== 1)) {
    throw new InputError(
      `expected labels of shape (H, W), (1, H, W) or (1, 1, H, W), got [${dims.join(', ')}]`,
    );
  }
  const [height, width] = dims.slice(-2) as [number, number];
  let max = 0;
  for (let i = 0; i < t.size; i++) {
    const v = t.get(i);
    if (!Number.isInteger(v) || v < 0 || v > 65535) {
      throw new InputError(`label ${v} at pixel ${i} is not a class index in 0..65535`);
    }
    if (v > max) max = v;
  }
  const labels = labelArray(t.size, max + 1);
  for (let i = 0; i < t.size; i++) labels[i] = t.get(i);
  return { width, height, labels, classes: max + 1 };
}

/** Nearest-neighbour resize of a label map (pixel centres aligned, as for images). */
export function resizeMaskNearest(mask: Mask, width: number, height: number): Mask {
  if (mask.width === width && mask.height === height) return mask;
  const labels = labelArray(width * height, mask.classes);
  const sx = mask.width / width;
  const sy = mask.height / height;
  for (let y = 0; y < height; y++) {
    const yy = Math.min(Math.floor((y + 0.5) * sy), mask.height - 1);
    for (let x = 0; x < width; x++) {
      const xx = Math.min(Math.floor((x + 0.5) * sx), mask.width - 1);
      labels[y * width + x] = mask.labels[yy * mask.width + xx] as number;
    }
  }
  return { width, height, labels, classes: mask.classes };
}

/** Colours each label with the palette (default VOC's; labels past a given palette's end wrap around). */
export function maskToRgb(
  mask: Mask,
  palette: readonly (readonly number[])[] = defaultPalette(mask),
): RgbImage {
  const n = mask.width * mask.height;
  const data = new Uint8Array(n * 3);
  for (let p = 0; p < n; p++) {
    const color = palette[(mask.labels[p] as number) % palette.length] as readonly number[];
    data[3 * p] = color[0] as number;
    data[3 * p + 1] = color[1] as number;
    data[3 * p + 2] = color[2] as number;
  }
  return { width: mask.width, height: mask.height, data };
}

export function encodeRgbPng(img: RgbImage): Uint8Array {
  return encodePng({ width: img.width, height: img.height, data: img.data, channels: 3, depth: 8 });
}

/**
 * The mask as a PNG. Up to 256 classes it is an indexed PNG whose pixel values are the class
 * indices and whose palette is VOC's (the format of VOC's SegmentationClass files); beyond that an
 * RGB PNG of the colours.
 */
export function encodeMaskPng(
  mask: Mask,
  palette: readonly (readonly number[])[] = defaultPalette(mask),
): Uint8Array {
  let max = 0;
  for (const v of mask.labels) if (v > max) max = v;
  if (max > 255) return encodeRgbPng(maskToRgb(mask, palette));
  const entries = Math.max(max + 1, mask.classes <= 256 ? mask.classes : 0, 2);
  const colors = Array.from({ length: entries }, (_, i) => {
    const c = palette[i % palette.length] as readonly number[];
    return [c[0] as number, c[1] as number, c[2] as number];
  });
  const data = mask.labels instanceof Uint8Array ? mask.labels : Uint8Array.from(mask.labels);
  return encodePng({ width: mask.width, height: mask.height, data, channels: 1, depth: 8, palette: colors });
}

/** A black-and-white PNG: 255 where the label is not 0 (background), 0 elsewhere. */
export function encodeBinaryMaskPng(mask: Mask): Uint8Array {
  const data = new Uint8Array(mask.labels.length);
  for (let i = 0; i < data.length; i++) data[i] = mask.labels[i] ? 255 : 0;
  return encodePng({ width: mask.width, height: mask.height, data, channels: 1, depth: 8 });
}

/**
 * The image with each non-background pixel blended toward its class colour:
 * out = (1 - alpha) * image + alpha * colour. The mask is resized (nearest) to the image first.
 */
export function overlay(
  image: RgbImage,
  mask: Mask,
  alpha = 0.5,
  palette: readonly (readonly number[])[] = defaultPalette(mask),
): RgbImage {
  if (!(alpha >= 0 && alpha <= 1)) throw new InputError(`overlay alpha must be in [0, 1], got ${alpha}`);
  const m = resizeMaskNearest(mask, image.width, image.height);
  const colors = maskToRgb(m, palette).data;
  const data = image.data.slice();
  for (let p = 0; p < m.labels.length; p++) {
    if (m.labels[p] === 0) continue;
    for (let c = 0; c < 3; c++) {
      const i = 3 * p + c;
      data[i] = Math.round((1 - alpha) * (image.data[i] as number) + alpha * (colors[i] as number));
    }
  }
  return { width: image.width, height: image.height, data };
}

export function overlayPng(image: RgbImage, mask: Mask, alpha = 0.5): Uint8Array {
  return encodeRgbPng(overlay(image, mask, alpha));
}
