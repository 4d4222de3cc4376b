import { InputError } from '../../errors.js';

/**
 * Average precision of per-pixel confidences for a binary task, as scikit-learn's
 * average_precision_score: AP = Σ_n (R_n − R_{n−1}) P_n over the distinct score thresholds taken
 * from high to low (no interpolation). Tied scores form one threshold. `targets` are 0/1; pixels
 * whose target is neither (an ignore label) are skipped. NaN when there is no positive pixel.
 *
 * Sorting all scores once and the positives' scores once (native typed-array sorts) gives, per
 * distinct score, how many pixels and how many positives share it.
 */
export function averagePrecision(scores: ArrayLike<number>, targets: ArrayLike<number>): number {
  if (scores.length !== targets.length) {
    throw new InputError(`${scores.length} scores but ${targets.length} targets`);
  }
  let positives = 0;
  let valid = 0;
  for (let i = 0; i < targets.length; i++) {
    const t = targets[i];
    if (t === 1) positives++;
    if (t === 0 || t === 1) valid++;
  }
  const all = new Float64Array(valid);
  const pos = new Float64Array(positives);
  let a = 0;
  let b = 0;
  for (let i = 0; i < targets.length; i++) {
    const t = targets[i];
    if (t !== 0 && t !== 1) continue;
    const s = scores[i] as number;
    if (Number.isNaN(s)) throw new InputError(`score at pixel ${i} is NaN`);
    all[a++] = s;
    if (t === 1) pos[b++] = s;
  }
  if (positives === 0) return Number.NaN;
  all.sort();
  pos.sort();
  let i = valid - 1;
  let j = positives - 1;
  let tp = 0;
  let seen = 0;
  let prevRecall = 0;
  let ap = 0;
  while (i >= 0) {
    const v = all[i] as number;
    while (i >= 0 && all[i] === v) {
      seen++;
      i--;
    }
    while (j >= 0 && pos[j] === v) {
      tp++;
      j--;
    }
    const recall = tp / positives;
    ap += (recall - prevRecall) * (tp / seen);
    prevRecall = recall;
  }
  return ap;
}
