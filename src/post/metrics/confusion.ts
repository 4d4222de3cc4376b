import { InputError } from '../../errors.js';

/** A label map: one class index per pixel, row-major. */
export type Labels = Uint8Array | Uint16Array;

/** Pixels the accumulation skipped (besides the ignore label), for the report. */
export interface SkipCounts {
  /** Ground-truth values >= classes that are not the ignore label. */
  unknownTruth: number;
  /** Predictions >= classes (a model with more channels than the class list). */
  badPrediction: number;
}

/**
 * A classes × classes confusion matrix accumulated over many images: `counts[g * classes + p]`
 * is the number of pixels of ground-truth class g predicted as p. Counts are float64: adding 1 is
 * exact up to 2^53 (9e15 pixels, about 10^9 Cityscapes images), far past 2^32.
 *
 * Per pixel, in this order: ground truth == ignoreLabel → skipped; ground truth >= classes →
 * skipped and counted as unknownTruth; prediction >= classes → skipped and counted as
 * badPrediction; otherwise counted. The WASM kernel (assembly/confusion.ts) follows the same rule.
 */
export class ConfusionMatrix {
  readonly counts: Float64Array;
  readonly skipped: SkipCounts = { unknownTruth: 0, badPrediction: 0 };

  constructor(
    readonly classes: number,
    readonly ignoreLabel = 255,
  ) {
    if (!Number.isInteger(classes) || classes < 1 || classes > 65535) {
      throw new InputError(`a confusion matrix needs 1..65535 classes, got ${classes}`);
    }
    this.counts = new Float64Array(classes * classes);
  }

  /** counts[truth][pred]. */
  at(truth: number, pred: number): number {
    return this.counts[truth * this.classes + pred] as number;
  }

  /** Adds one image's predicted labels against its ground truth (same length). */
  addLabels(pred: Labels, truth: Labels): void {
    checkLength(pred.length, truth.length);
    const { classes, ignoreLabel, counts } = this;
    let unknown = 0;
    let bad = 0;
    for (let i = 0; i < truth.length; i++) {
      const g = truth[i] as number;
      if (g === ignoreLabel) continue;
      if (g >= classes) {
        unknown++;
        continue;
      }
      const p = pred[i] as number;
      if (p >= classes) {
        bad++;
        continue;
      }
      counts[g * classes + p]++;
    }
    this.skipped.unknownTruth += unknown;
    this.skipped.badPrediction += bad;
  }

  /**
   * Adds one image's class scores (channels planes of H×W, planar as in NCHW with N = 1) with the
   * argmax fused in: channel 0 starts as the best, a later one wins only when strictly greater
   * (ties → lower class, NaN never wins). No label map is materialized.
   */
  addLogits(logits: Float32Array, channels: number, truth: Labels): void {
    const plane = truth.length;
    if (logits.length !== channels * plane) {
      throw new InputError(
        `scores have ${logits.length} values, expected ${channels} channels x ${plane} pixels`,
      );
    }
    const { classes, ignoreLabel, counts } = this;
    let unknown = 0;
    let bad = 0;
    for (let i = 0; i < plane; i++) {
      const g = truth[i] as number;
      if (g === ignoreLabel) continue;
      if (g >= classes) {
        unknown++;
        continue;
      }
      let best = logits[i] as number;
      let p = 0;
      for (let c = 1; c < channels; c++) {
        const v = logits[c * plane + i] as number;
        if (v > best) {
          best = v;
          p = c;
        }
      }
      if (p >= classes) {
        bad++;
        continue;
      }
      counts[g * classes + p]++;
    }
    this.skipped.unknownTruth += unknown;
    this.skipped.badPrediction += bad;
  }

  /** Adds another matrix of the same size (e.g. one accumulated by the WASM kernel). */
  merge(other: { counts: Float64Array; skipped: SkipCounts }): void {
    checkLength(other.counts.length, this.counts.length);
    for (let i = 0; i < this.counts.length; i++) this.counts[i] += other.counts[i] as number;
    this.skipped.unknownTruth += other.skipped.unknownTruth;
    this.skipped.badPrediction += other.skipped.badPrediction;
  }

  /** Rows of the matrix as plain numbers (for JSON). */
  toRows(): number[][] {
    const rows: number[][] = [];
    for (let g = 0; g < this.classes; g++) {
      rows.push(Array.from(this.counts.subarray(g * this.classes, (g + 1) * this.classes)));
    }
    return rows;
  }
}

function checkLength(a: number, b: number): void {
  if (a !== b) throw new InputError(`prediction has ${a} pixels but the ground truth has ${b}`);
}
