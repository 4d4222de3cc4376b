import { isFloatDType, type Tensor } from '../../engine/tensor.js';
import { InputError } from '../../errors.js';
import type { Dim } from '../../graph/ir.js';

/** Helpers of evaluate.ts: model input/output layouts and array plumbing. */

export interface Scored {
  channels: number;
  h: number;
  w: number;
  /** Planar class scores (empty when the backend returned labels). */
  data: Float32Array;
  /** Argmax labels computed on the backend (withDeviceArgmax), instead of scores. */
  labels?: Uint16Array;
}

export function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function concatLabels(parts: (Uint8Array | Uint16Array)[]): Uint16Array {
  const out = new Uint16Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Nearest resize of one score plane (same pixel-centre rule as resizeMaskNearest). */
export function resizeMaskScores(
  data: Float32Array,
  w: number,
  h: number,
  width: number,
  height: number,
): Float32Array {
  if (w === width && h === height) return data.slice(0, w * h);
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const yy = Math.min(Math.floor(((y + 0.5) * h) / height), h - 1);
    for (let x = 0; x < width; x++) {
      const xx = Math.min(Math.floor(((x + 0.5) * w) / width), w - 1);
      out[y * width + x] = data[yy * w + xx] as number;
    }
  }
  return out;
}

/**
 * Planar (C, H, W) scores from a model output: (1, C, H, W) or (C, H, W) for NCHW models; (1, H, W, C)
 * for NHWC (TFLite) models, whose input layout says so.
 */
export function scoreLayout(name: string, t: Tensor, layout: 'NCHW' | 'NHWC' = 'NCHW'): Scored {
  const d = t.dims;
  const nhwc = layout === 'NHWC' && d.length === 4;
  const ok = isFloatDType(t.dtype) && (d.length === 3 || (d.length === 4 && d[0] === 1));
  if (!ok) {
    const want = layout === 'NHWC' ? '(1, H, W, C)' : '(1, C, H, W)';
    throw new InputError(
      `output '${name}' is ${t.dtype} [${d.join(', ')}]; eval needs float class scores ${want}`,
    );
  }
  const [channels, h, w] = (nhwc ? [d[3], d[1], d[2]] : d.slice(-3)) as [number, number, number];
  const flat = t.data instanceof Float32Array ? t.data : Float32Array.from(t.toNumbers());
  if (!nhwc || channels === 1) return { channels, h, w, data: flat };
  const data = new Float32Array(flat.length);
  const plane = h * w;
  for (let p = 0; p < plane; p++) {
    for (let c = 0; c < channels; c++) data[c * plane + p] = flat[p * channels + c] as number;
  }
  return { channels, h, w, data };
}

/** An argmax output (1, H, W) or (H, W) of integer labels in 0..channels-1. */
export function labelLayout(name: string, t: Tensor, channels: number): Scored {
  const d = t.dims;
  const ok =
    (t.dtype === 'int64' || t.dtype === 'int32') && (d.length === 2 || (d.length === 3 && d[0] === 1));
  if (!ok) {
    throw new InputError(
      `output '${name}' is ${t.dtype} [${d.join(', ')}]; expected argmax labels (1, H, W)`,
    );
  }
  const [h, w] = d.slice(-2) as [number, number];
  const labels = new Uint16Array(h * w);
  for (let i = 0; i < labels.length; i++) {
    const v = t.get(i);
    if (!(v >= 0 && v < channels))
      throw new InputError(`output '${name}' has label ${v} outside 0..${channels - 1}`);
    labels[i] = v;
  }
  return { channels, h, w, data: new Float32Array(0), labels };
}

export function inputLayout(name: string, shape: readonly Dim[]): 'NCHW' | 'NHWC' {
  if (shape.length === 4 && (shape[1] === 3 || typeof shape[1] === 'string')) return 'NCHW';
  if (shape.length === 4 && shape[3] === 3) return 'NHWC';
  throw new InputError(
    `input '${name}' has shape [${shape.join(', ')}]; eval needs an RGB image batch (1, 3, H, W)`,
  );
}

export function staticSize(name: string, shape: readonly Dim[], layout: 'NCHW' | 'NHWC'): [number, number] {
  const [h, w] = [shape[2], shape[3]];
  if (layout !== 'NCHW' || typeof h !== 'number' || typeof w !== 'number') {
    throw new InputError(
      `sliding-window evaluation needs an NCHW input with a static size (or --size); '${name}' is [${shape.join(', ')}]`,
    );
  }
  return [h, w];
}

export function modelSize(
  shape: readonly Dim[],
  layout: 'NCHW' | 'NHWC',
  image: { width: number; height: number },
): [number, number] {
  const [h, w] = layout === 'NCHW' ? [shape[2], shape[3]] : [shape[1], shape[2]];
  return [typeof h === 'number' ? h : image.height, typeof w === 'number' ? w : image.width];
}
