import type { Tensor } from '../../engine/tensor.js';
import { InputError } from '../../errors.js';

/**
 * Losses take class scores (logits) of shape (N, C, H, W) and integer labels of shape (N, H, W)
 * (a Tensor of any integer dtype, or a plain array). Pixels whose label equals `ignoreIndex`
 * (default 255, atrous's ignore label; PyTorch's default is −100) contribute nothing. Values are
 * computed in float64.
 */
export interface LossInput {
  n: number;
  c: number;
  plane: number;
  logits: Float64Array;
  labels: Int32Array;
  ignoreIndex: number;
}

export type LabelsLike = Tensor | ArrayLike<number>;

export function lossInput(name: string, logits: Tensor, labels: LabelsLike, ignoreIndex = 255): LossInput {
  const dims = logits.dims;
  if (dims.length !== 4) {
    throw new InputError(`${name}: logits must be (N, C, H, W), got [${dims.join(', ')}]`);
  }
  const [n, c, h, w] = dims as [number, number, number, number];
  if (c < 2) throw new InputError(`${name}: needs at least 2 classes (softmax over C), got C = ${c}`);
  const plane = h * w;
  const count = 'dims' in labels ? labels.size : labels.length;
  if (count !== n * plane) {
    throw new InputError(`${name}: labels have ${count} values, expected N*H*W = ${n * plane}`);
  }
  const get = 'dims' in labels ? (i: number) => labels.get(i) : (i: number) => labels[i] as number;
  const lab = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const v = get(i);
    if (v !== ignoreIndex && !(Number.isInteger(v) && v >= 0 && v < c)) {
      throw new InputError(
        `${name}: label ${v} at index ${i} is not a class in 0..${c - 1} or the ignore index ${ignoreIndex}`,
      );
    }
    lab[i] = v;
  }
  return { n, c, plane, logits: Float64Array.from(logits.toNumbers()), labels: lab, ignoreIndex };
}

/** Softmax over C at every pixel: (N, C, plane) → probabilities, same layout (max-shifted). */
export function softmaxNCHW(x: LossInput): Float64Array {
  const { n, c, plane, logits } = x;
  const out = new Float64Array(logits.length);
  for (let b = 0; b < n; b++) {
    for (let p = 0; p < plane; p++) {
      const base = b * c * plane + p;
      let max = Number.NEGATIVE_INFINITY;
      for (let k = 0; k < c; k++) max = Math.max(max, logits[base + k * plane] as number);
      let sum = 0;
      for (let k = 0; k < c; k++) {
        const e = Math.exp((logits[base + k * plane] as number) - max);
        out[base + k * plane] = e;
        sum += e;
      }
      for (let k = 0; k < c; k++) out[base + k * plane] = (out[base + k * plane] as number) / sum;
    }
  }
  return out;
}

/** log-softmax of class k at pixel (b, p), computed stably. */
export function logSoftmaxAt(x: LossInput, b: number, p: number, k: number): number {
  const { c, plane, logits } = x;
  const base = b * c * plane + p;
  let max = Number.NEGATIVE_INFINITY;
  for (let j = 0; j < c; j++) max = Math.max(max, logits[base + j * plane] as number);
  let sum = 0;
  for (let j = 0; j < c; j++) sum += Math.exp((logits[base + j * plane] as number) - max);
  return (logits[base + k * plane] as number) - max - Math.log(sum);
}

export function checkClassArray(
  name: string,
  what: string,
  values: readonly number[] | undefined,
  c: number,
): void {
  if (values !== undefined && values.length !== c) {
    throw new InputError(`${name}: ${what} has ${values.length} values, expected one per class (${c})`);
  }
}
