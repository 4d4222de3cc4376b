/**
 * Scores from a confusion matrix (row = ground truth, column = prediction), as in the usual
 * segmentation benchmarks (FCN paper, Long et al. 2015; VOC/Cityscapes evaluation code):
 *   pixel accuracy        Σ_i n_ii / Σ_ij n_ij
 *   class accuracy_i      n_ii / t_i                      (t_i = Σ_j n_ij, the truth pixels of i)
 *   IoU_i                 n_ii / (t_i + Σ_j n_ji − n_ii)
 *   frequency-weighted    Σ_i t_i · IoU_i / Σ_i t_i       (over classes with t_i + p_i > 0)
 *   Dice_i = F1_i         2 n_ii / (t_i + p_i)            (p_i = Σ_j n_ji, the predicted pixels of i)
 * A class absent from both prediction and ground truth has no IoU/Dice (NaN, shown as null in
 * JSON) and is left out of the means; mean class accuracy averages over classes with t_i > 0.
 */
export interface Scores {
  pixelAccuracy: number;
  meanClassAccuracy: number;
  meanIoU: number;
  frequencyWeightedIoU: number;
  meanDice: number;
  /** Per class (NaN where undefined). */
  classAccuracy: number[];
  iou: number[];
  dice: number[];
  precision: number[];
  /** Ground-truth and predicted pixel counts per class. */
  truthPixels: number[];
  predictedPixels: number[];
  totalPixels: number;
}

export function scoresFromCounts(counts: ArrayLike<number>, classes: number): Scores {
  const truth = new Array<number>(classes).fill(0);
  const pred = new Array<number>(classes).fill(0);
  let total = 0;
  let correct = 0;
  for (let g = 0; g < classes; g++) {
    for (let p = 0; p < classes; p++) {
      const n = counts[g * classes + p] as number;
      truth[g] = (truth[g] as number) + n;
      pred[p] = (pred[p] as number) + n;
      total += n;
      if (g === p) correct += n;
    }
  }
  const classAccuracy: number[] = [];
  const iou: number[] = [];
  const dice: number[] = [];
  const precision: number[] = [];
  for (let c = 0; c < classes; c++) {
    const tp = counts[c * classes + c] as number;
    const t = truth[c] as number;
    const p = pred[c] as number;
    classAccuracy.push(t > 0 ? tp / t : Number.NaN);
    precision.push(p > 0 ? tp / p : Number.NaN);
    const union = t + p - tp;
    iou.push(union > 0 ? tp / union : Number.NaN);
    dice.push(t + p > 0 ? (2 * tp) / (t + p) : Number.NaN);
  }
  let fw = 0;
  let fwTotal = 0;
  for (let c = 0; c < classes; c++) {
    if (Number.isNaN(iou[c])) continue;
    fw += (truth[c] as number) * (iou[c] as number);
    fwTotal += truth[c] as number;
  }
  return {
    pixelAccuracy: total > 0 ? correct / total : Number.NaN,
    meanClassAccuracy: nanMean(classAccuracy),
    meanIoU: nanMean(iou),
    frequencyWeightedIoU: fwTotal > 0 ? fw / fwTotal : Number.NaN,
    meanDice: nanMean(dice),
    classAccuracy,
    iou,
    dice,
    precision,
    truthPixels: truth,
    predictedPixels: pred,
    totalPixels: total,
  };
}

/** Mean over the non-NaN values (NaN when there are none). */
export function nanMean(values: readonly number[]): number {
  let sum = 0;
  let n = 0;
  for (const v of values) {
    if (Number.isNaN(v)) continue;
    sum += v;
    n++;
  }
  return n > 0 ? sum / n : Number.NaN;
}
