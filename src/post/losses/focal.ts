import type { Tensor } from '../../engine/tensor.js';
import { checkClassArray, type LabelsLike, logSoftmaxAt, lossInput } from './common.js';

export interface FocalOptions {
  /** Focusing parameter γ (default 2). */
  gamma?: number;
  /** Class balance α: one number for every class, or one per class (default 1). */
  alpha?: number | readonly number[];
  ignoreIndex?: number;
}

/**
 * Multi-class focal loss (Lin et al. 2017) on softmax probabilities:
 * mean over non-ignored pixels of −α_t (1 − p_t)^γ log p_t, where p_t = softmax(x)[y] and α_t the
 * α of class y. With C = 2 and α per class [1 − a, a] this is torchvision's sigmoid focal loss
 * idea applied to a softmax; the mean is over pixels (not normalized by Σ α_t).
 */
export function focalLoss(logits: Tensor, labels: LabelsLike, options: FocalOptions = {}): number {
  const x = lossInput('focal', logits, labels, options.ignoreIndex);
  const gamma = options.gamma ?? 2;
  const alpha = options.alpha ?? 1;
  if (typeof alpha !== 'number') checkClassArray('focal', 'alpha', alpha, x.c);
  let sum = 0;
  let count = 0;
  for (let b = 0; b < x.n; b++) {
    for (let p = 0; p < x.plane; p++) {
      const y = x.labels[b * x.plane + p] as number;
      if (y === x.ignoreIndex) continue;
      const logp = logSoftmaxAt(x, b, p, y);
      const a = typeof alpha === 'number' ? alpha : (alpha[y] as number);
      sum -= a * (1 - Math.exp(logp)) ** gamma * logp;
      count++;
    }
  }
  return sum / count;
}
