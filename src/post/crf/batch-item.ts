import { Tensor } from '../../engine/tensor.js';
import { type CrfInput, type CrfProblem, checkCrfInput, problemOf } from './inputs.js';

/**
 * Item `b` of a DenseCRF node's (N, C, H, W) scores and (N, 3, H, W) image as checked CRF
 * inputs (checkCrfInput: the ref kernel's checks and errors). The image is interleaved as plain
 * numbers (no rounding to bytes), so every backend's kernel sees the same features.
 */
export function crfBatchInput(x: Tensor, img: Tensor, b: number, kind: 'probs' | 'logits'): CrfInput {
  const [, c, h, w] = x.dims as [number, number, number, number];
  const n = h * w;
  const rgb = new Float64Array(n * 3);
  for (let k = 0; k < 3; k++) {
    for (let i = 0; i < n; i++) rgb[i * 3 + k] = img.data[(b * 3 + k) * n + i] as number;
  }
  const slice = (x.data as Float32Array).subarray(b * c * n, (b + 1) * c * n);
  const scores = new Tensor('float32', [c, h, w], slice);
  return checkCrfInput({ [kind]: scores, image: { width: w, height: h, data: rgb } });
}

/** crfBatchInput with its unaries (ψ pixel-major, f64): the ref kernel's problem. */
export function crfBatchItem(x: Tensor, img: Tensor, b: number, kind: 'probs' | 'logits'): CrfProblem {
  return problemOf(crfBatchInput(x, img, b, kind));
}

/**
 * Writes Q of one item (pixel-major, `stride` floats per pixel of which the first `c` are the
 * classes) into item `b` of the planar (N, C, H, W) output.
 */
export function writeCrfItem(
  out: Float32Array,
  q: ArrayLike<number>,
  stride: number,
  b: number,
  c: number,
): void {
  const n = q.length / stride;
  for (let i = 0; i < n; i++) {
    for (let l = 0; l < c; l++) out[(b * c + l) * n + i] = q[i * stride + l] as number;
  }
}
