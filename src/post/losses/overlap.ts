import type { Tensor } from '../../engine/tensor.js';
import { type LabelsLike, lossInput, softmaxNCHW } from './common.js';

export interface TverskyOptions {
  /** Weight of false positives (default 0.3, Salehi et al. 2017). */
  alpha?: number;
  /** Weight of false negatives (default 0.7). */
  beta?: number;
  /** Added to numerator and denominator (default 1e-5). */
  smooth?: number;
  ignoreIndex?: number;
}

/**
 * Per-class soft overlap sums over the whole batch (N, H, W; ignored pixels left out), with
 * p = softmax(logits) and g = one-hot(labels): TP_c = Σ p_c g_c, FP_c = Σ p_c (1 − g_c),
 * FN_c = Σ (1 − p_c) g_c.
 */
function overlapSums(name: string, logits: Tensor, labels: LabelsLike, ignoreIndex?: number) {
  const x = lossInput(name, logits, labels, ignoreIndex);
  const prob = softmaxNCHW(x);
  const tp = new Float64Array(x.c);
  const fp = new Float64Array(x.c);
  const fn = new Float64Array(x.c);
  for (let b = 0; b < x.n; b++) {
    for (let p = 0; p < x.plane; p++) {
      const y = x.labels[b * x.plane + p] as number;
      if (y === x.ignoreIndex) continue;
      for (let k = 0; k < x.c; k++) {
        const q = prob[(b * x.c + k) * x.plane + p] as number;
        if (k === y) {
          tp[k] += q;
          fn[k] += 1 - q;
        } else {
          fp[k] += q;
        }
      }
    }
  }
  return { tp, fp, fn, c: x.c };
}

/**
 * Tversky loss 1 − mean_c (TP_c + s) / (TP_c + α FP_c + β FN_c + s), averaged over all C
 * classes (a class absent from both gives (0 + s) / (0 + s) = 1).
 */
export function tverskyLoss(logits: Tensor, labels: LabelsLike, options: TverskyOptions = {}): number {
  const { tp, fp, fn, c } = overlapSums('tversky', logits, labels, options.ignoreIndex);
  const alpha = options.alpha ?? 0.3;
  const beta = options.beta ?? 0.7;
  const s = options.smooth ?? 1e-5;
  let sum = 0;
  for (let k = 0; k < c; k++) {
    const t = tp[k] as number;
    sum += (t + s) / (t + alpha * (fp[k] as number) + beta * (fn[k] as number) + s);
  }
  return 1 - sum / c;
}

/**
 * Soft Dice loss 1 − mean_c (2 TP_c + s) / (Σp_c + Σg_c + s) — Tversky with α = β = 0.5, since
 * Σp_c + Σg_c = 2 TP_c + FP_c + FN_c.
 */
export function softDiceLoss(
  logits: Tensor,
  labels: LabelsLike,
  options: { smooth?: number; ignoreIndex?: number } = {},
): number {
  const { tp, fp, fn, c } = overlapSums('soft dice', logits, labels, options.ignoreIndex);
  const s = options.smooth ?? 1e-5;
  let sum = 0;
  for (let k = 0; k < c; k++) {
    const t = tp[k] as number;
    sum += (2 * t + s) / (2 * t + (fp[k] as number) + (fn[k] as number) + s);
  }
  return 1 - sum / c;
}
