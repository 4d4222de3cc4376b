import type { Tensor } from '../../engine/tensor.js';
import { squaredEdt } from '../metrics/edt.js';
import { type LabelsLike, lossInput, softmaxNCHW } from './common.js';

export interface HausdorffLossOptions {
  /** Exponent α of the distance maps (default 2, as in the paper). */
  alpha?: number;
  ignoreIndex?: number;
}

/**
 * Distance-transform Hausdorff loss ("HD_DT", Karimi & Salcudean, IEEE TMI 2019, eq. 8):
 *   loss = mean over (n, c, valid pixel) of (p − q)² · (d_p^α + d_q^α)
 * with p = softmax(logits)_c, q = one-hot(labels)_c, and d_p, d_q the unsigned distance maps of
 * the boundaries of the binary masks P = (p > 0.5) and Q = (q > 0.5): for a pixel inside the mask,
 * the Euclidean distance to the nearest pixel outside it; outside, to the nearest pixel inside
 * (scipy's distance_transform_edt(M) + distance_transform_edt(~M)). An empty or full mask gives a
 * zero map. Ignored pixels count as outside every mask and are left out of the mean.
 */
export function hausdorffDtLoss(
  logits: Tensor,
  labels: LabelsLike,
  options: HausdorffLossOptions = {},
): number {
  const x = lossInput('hausdorff', logits, labels, options.ignoreIndex);
  const alpha = options.alpha ?? 2;
  const prob = softmaxNCHW(x);
  const [h, w] = logits.dims.slice(2) as [number, number];
  let sum = 0;
  let count = 0;
  for (let b = 0; b < x.n; b++) {
    const lab = x.labels.subarray(b * x.plane, (b + 1) * x.plane);
    for (let k = 0; k < x.c; k++) {
      const pk = prob.subarray((b * x.c + k) * x.plane, (b * x.c + k + 1) * x.plane);
      const pm = new Uint8Array(x.plane);
      const qm = new Uint8Array(x.plane);
      for (let i = 0; i < x.plane; i++) {
        pm[i] = (pk[i] as number) > 0.5 ? 1 : 0;
        qm[i] = lab[i] === k ? 1 : 0;
      }
      const dp = distanceField(pm, w, h);
      const dq = distanceField(qm, w, h);
      for (let i = 0; i < x.plane; i++) {
        if (lab[i] === x.ignoreIndex) continue;
        const e = (pk[i] as number) - (qm[i] as number);
        sum += e * e * ((dp[i] as number) ** alpha + (dq[i] as number) ** alpha);
        count++;
      }
    }
  }
  return sum / count;
}

/** Distance to the other side of the mask's boundary at every pixel (zeros for empty/full masks). */
function distanceField(mask: Uint8Array, width: number, height: number): Float64Array {
  const out = new Float64Array(mask.length);
  const fg = mask.includes(1);
  const bg = mask.includes(0);
  if (!fg || !bg) return out;
  const inv = mask.map((v) => 1 - v);
  const toBg = squaredEdt(inv, width, height); // features = background pixels
  const toFg = squaredEdt(mask, width, height);
  for (let i = 0; i < mask.length; i++)
    out[i] = Math.sqrt(mask[i] ? (toBg[i] as number) : (toFg[i] as number));
  return out;
}
