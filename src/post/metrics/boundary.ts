import type { Labels } from './confusion.js';
import { squaredEdt } from './edt.js';

/**
 * Boundary quality per class, on one image at a time (pred and truth of the same size).
 *
 * Masks: for class c, P = (pred == c) and T = (truth == c), both restricted to pixels whose truth
 * is scored (not the ignore label, not an unknown value >= classes), so VOC's ignore bands do not
 * create boundaries of their own.
 *
 * Boundary F-score (DAVIS convention, Perazzi et al. 2016, `seg2bmap`): a pixel is on the boundary
 * of mask M when M differs at its east, south or south-east neighbour (outside the image counts as
 * background; the last row compares only east, the last column only south, the corner is never a
 * boundary). A predicted boundary pixel matches when a truth boundary pixel lies within Euclidean
 * distance `tolerance` (a disk, as DAVIS's dilation with disk(r)), and vice versa. Counts are summed
 * over the images of a data set; precision = matched predicted / predicted boundary pixels, recall
 * = matched truth / truth boundary pixels (1 when there are none), F = 2PR / (P + R); a class with
 * no boundary pixels in either is absent (NaN).
 *
 * HD95 (as MONAI's compute_hausdorff_distance(percentile=95)): surface of M = pixels of M with a
 * 4-neighbour outside M (outside the image counts as outside M); directed distances from each
 * surface pixel of P to the nearest of T's and back; HD95 = max of the two 95th percentiles (linear
 * interpolation, numpy's default). Defined for an image only when both P and T are non-empty; the
 * per-class value is the mean over those images.
 */
export interface BoundaryCounts {
  matchedPred: number;
  predPixels: number;
  matchedTruth: number;
  truthPixels: number;
}

/** DAVIS seg2bmap on a binary mask. */
export function boundaryMap(mask: Uint8Array, width: number, height: number): Uint8Array {
  const b = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const m = mask[i];
      const lastRow = y === height - 1;
      const lastCol = x === width - 1;
      if (lastRow && lastCol) continue;
      if (lastRow) b[i] = m !== mask[i + 1] ? 1 : 0;
      else if (lastCol) b[i] = m !== mask[i + width] ? 1 : 0;
      else b[i] = m !== mask[i + 1] || m !== mask[i + width] || m !== mask[i + width + 1] ? 1 : 0;
    }
  }
  return b;
}

/** Pixels of the mask with a 4-neighbour outside it (the image border is outside). */
export function surfaceMap(mask: Uint8Array, width: number, height: number): Uint8Array {
  const s = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      if (!mask[i]) continue;
      const inside =
        x > 0 &&
        x < width - 1 &&
        y > 0 &&
        y < height - 1 &&
        mask[i - 1] &&
        mask[i + 1] &&
        mask[i - width] &&
        mask[i + width];
      s[i] = inside ? 0 : 1;
    }
  }
  return s;
}

/** Binary masks of class c in pred and truth, restricted to pixels whose truth is not ignored. */
export function classMasks(
  pred: Labels,
  truth: Labels,
  c: number,
  ignoreLabel: number,
  classes = Number.POSITIVE_INFINITY,
): [Uint8Array, Uint8Array] {
  const p = new Uint8Array(truth.length);
  const t = new Uint8Array(truth.length);
  for (let i = 0; i < truth.length; i++) {
    const g = truth[i] as number;
    if (g === ignoreLabel || g >= classes) continue;
    p[i] = pred[i] === c ? 1 : 0;
    t[i] = g === c ? 1 : 0;
  }
  return [p, t];
}

/**
 * Per class, the bounding box (x0, y0, x1, y1, inclusive) of the pixels predicted or labelled as
 * it (scored pixels only), grown by 1 pixel and clipped to the image; x1 = −1 when absent.
 * Cropping both masks to it changes no boundary, surface or distance: every boundary pixel lies in
 * the box (the 1-pixel margin holds the outer ones), the margin is background as the rest of the
 * image, and where the box meets the image edge the edge rules are the same.
 */
export function classBoxes(
  pred: Labels,
  truth: Labels,
  width: number,
  height: number,
  classes: number,
  ignoreLabel: number,
): Int32Array {
  const box = new Int32Array(4 * classes);
  for (let c = 0; c < classes; c++) box.set([width, height, -1, -1], 4 * c);
  const grow = (c: number, x: number, y: number) => {
    const b = 4 * c;
    if (x < (box[b] as number)) box[b] = x;
    if (y < (box[b + 1] as number)) box[b + 1] = y;
    if (x > (box[b + 2] as number)) box[b + 2] = x;
    if (y > (box[b + 3] as number)) box[b + 3] = y;
  };
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const g = truth[i] as number;
      if (g === ignoreLabel || g >= classes) continue;
      grow(g, x, y);
      const p = pred[i] as number;
      if (p < classes && p !== g) grow(p, x, y);
    }
  }
  for (let c = 0; c < classes; c++) {
    const b = 4 * c;
    if ((box[b + 2] as number) < 0) continue;
    box[b] = Math.max(0, (box[b] as number) - 1);
    box[b + 1] = Math.max(0, (box[b + 1] as number) - 1);
    box[b + 2] = Math.min(width - 1, (box[b + 2] as number) + 1);
    box[b + 3] = Math.min(height - 1, (box[b + 3] as number) + 1);
  }
  return box;
}

/** classMasks cropped to box (x0, y0, x1, y1) of an image `width` wide. */
export function croppedClassMasks(
  pred: Labels,
  truth: Labels,
  c: number,
  ignoreLabel: number,
  classes: number,
  width: number,
  box: ArrayLike<number>,
): { p: Uint8Array; t: Uint8Array; w: number; h: number } {
  const [x0, y0, x1, y1] = [box[0], box[1], box[2], box[3]] as [number, number, number, number];
  const w = x1 - x0 + 1;
  const h = y1 - y0 + 1;
  const p = new Uint8Array(w * h);
  const t = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = (y0 + y) * width + x0 + x;
      const g = truth[i] as number;
      if (g === ignoreLabel || g >= classes) continue;
      p[y * w + x] = pred[i] === c ? 1 : 0;
      t[y * w + x] = g === c ? 1 : 0;
    }
  }
  return { p, t, w, h };
}

/** Boundary pixels of `from` within `tolerance` of a boundary pixel of `to`, and how many there are. */
function matched(from: Uint8Array, toDist2: Float64Array, tol2: number): [number, number] {
  let hit = 0;
  let n = 0;
  for (let i = 0; i < from.length; i++) {
    if (!from[i]) continue;
    n++;
    if ((toDist2[i] as number) <= tol2) hit++;
  }
  return [hit, n];
}

export function boundaryCounts(
  predMask: Uint8Array,
  truthMask: Uint8Array,
  width: number,
  height: number,
  tolerance: number,
): BoundaryCounts {
  const bp = boundaryMap(predMask, width, height);
  const bt = boundaryMap(truthMask, width, height);
  const tol2 = tolerance * tolerance;
  const [matchedPred, predPixels] = matched(bp, squaredEdt(bt, width, height), tol2);
  const [matchedTruth, truthPixels] = matched(bt, squaredEdt(bp, width, height), tol2);
  return { matchedPred, predPixels, matchedTruth, truthPixels };
}

/** F-score from (summed) counts; NaN when neither side has boundary pixels. */
export function boundaryF(c: BoundaryCounts): number {
  if (c.predPixels === 0 && c.truthPixels === 0) return Number.NaN;
  const precision = c.predPixels > 0 ? c.matchedPred / c.predPixels : 1;
  const recall = c.truthPixels > 0 ? c.matchedTruth / c.truthPixels : 1;
  return precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
}

/** numpy.percentile(values, q) with linear interpolation; sorts `values` in place. */
export function percentile(values: Float64Array, q: number): number {
  if (values.length === 0) return Number.NaN;
  values.sort();
  const idx = (q / 100) * (values.length - 1);
  const lo = Math.floor(idx);
  const hi = Math.ceil(idx);
  const a = values[lo] as number;
  return a + ((values[hi] as number) - a) * (idx - lo);
}

function directed(from: Uint8Array, toDist2: Float64Array): Float64Array {
  const out: number[] = [];
  for (let i = 0; i < from.length; i++) if (from[i]) out.push(Math.sqrt(toDist2[i] as number));
  return Float64Array.from(out);
}

/** HD95 between two binary masks; NaN when either is empty. */
export function hausdorff95(
  predMask: Uint8Array,
  truthMask: Uint8Array,
  width: number,
  height: number,
): number {
  if (!predMask.includes(1) || !truthMask.includes(1)) return Number.NaN;
  const sp = surfaceMap(predMask, width, height);
  const st = surfaceMap(truthMask, width, height);
  const a = percentile(directed(sp, squaredEdt(st, width, height)), 95);
  const b = percentile(directed(st, squaredEdt(sp, width, height)), 95);
  return Math.max(a, b);
}
