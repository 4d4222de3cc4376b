import type { Tensor } from '../../engine/tensor.js';
import { checkClassArray, type LabelsLike, logSoftmaxAt, lossInput } from './common.js';

export interface CrossEntropyOptions {
  /** Per-class weights w (default all 1). */
  weight?: readonly number[];
  ignoreIndex?: number;
}

/**
 * Weighted cross-entropy with PyTorch's mean reduction (torch.nn.functional.cross_entropy):
 * Σ_i w[y_i] · (−log softmax(x_i)[y_i]) / Σ_i w[y_i] over the non-ignored pixels i.
 * NaN when every pixel is ignored (as PyTorch).
 */
export function crossEntropyLoss(
  logits: Tensor,
  labels: LabelsLike,
  options: CrossEntropyOptions = {},
): number {
  const x = lossInput('cross-entropy', logits, labels, options.ignoreIndex);
  checkClassArray('cross-entropy', 'weight', options.weight, x.c);
  let num = 0;
  let den = 0;
  for (let b = 0; b < x.n; b++) {
    for (let p = 0; p < x.plane; p++) {
      const y = x.labels[b * x.plane + p] as number;
      if (y === x.ignoreIndex) continue;
      const w = options.weight?.[y] ?? 1;
      num -= w * logSoftmaxAt(x, b, p, y);
      den += w;
    }
  }
  return num / den;
}
