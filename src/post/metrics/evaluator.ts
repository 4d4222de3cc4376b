import {
  type BoundaryCounts,
  boundaryCounts,
  boundaryF,
  classBoxes,
  croppedClassMasks,
  hausdorff95,
} from './boundary.js';
import { ConfusionMatrix, type Labels, type SkipCounts } from './confusion.js';
import { WebGpuConfusion } from './confusion-webgpu.js';
import { nanMean, type Scores, scoresFromCounts } from './scores.js';
import { WasmConfusion } from './wasm.js';

export type MetricsKernel = 'ref' | 'wasm' | 'webgpu';

export interface EvaluatorOptions {
  classes: number;
  /** Ground-truth value that is not scored (default 255). */
  ignoreLabel?: number;
  /** Where the confusion matrix is accumulated: TS reference, WASM or WebGPU kernel (same counts). */
  kernel?: MetricsKernel;
  /** Boundary F-score tolerance in pixels (default 2); boundary metrics are skipped when false. */
  boundaryTolerance?: number | false;
}

export interface BoundaryReport {
  tolerance: number;
  /** Per class (NaN = absent); see boundary.ts for the definitions. */
  fScore: number[];
  meanFScore: number;
  hd95: number[];
  meanHd95: number;
  /** Images that defined each class's HD95 (both masks non-empty). */
  hd95Images: number[];
}

export interface MetricsReport {
  classes: number;
  ignoreLabel: number;
  kernel: MetricsKernel;
  images: number;
  scores: Scores;
  boundary?: BoundaryReport;
  /** Rows = ground truth, columns = prediction. */
  confusion: number[][];
  skipped: SkipCounts;
}

/** The WebGPU kernel returns a promise per image (its counts are read back after each image). */
interface Accumulator {
  addLabels(pred: Labels, truth: Labels): void | Promise<void>;
  addLogits(logits: Float32Array, channels: number, truth: Labels): void | Promise<void>;
  release?(): void;
  readonly counts: Float64Array;
  readonly skipped: SkipCounts;
}

/** Accumulates every metric over a data set, one image at a time. */
export class Evaluator {
  private images = 0;
  private readonly bc: BoundaryCounts[];
  private readonly hdSum: Float64Array;
  private readonly hdCount: Float64Array;

  private constructor(
    private readonly cm: Accumulator,
    readonly classes: number,
    readonly ignoreLabel: number,
    readonly kernel: MetricsKernel,
    private readonly tolerance: number | false,
  ) {
    this.bc = Array.from({ length: classes }, () => ({
      matchedPred: 0,
      predPixels: 0,
      matchedTruth: 0,
      truthPixels: 0,
    }));
    this.hdSum = new Float64Array(classes);
    this.hdCount = new Float64Array(classes);
  }

  static async create(options: EvaluatorOptions): Promise<Evaluator> {
    const ignore = options.ignoreLabel ?? 255;
    const kernel = options.kernel ?? 'ref';
    const cm =
      kernel === 'wasm'
        ? await WasmConfusion.create(options.classes, ignore)
        : kernel === 'webgpu'
          ? await WebGpuConfusion.create(options.classes, ignore)
          : new ConfusionMatrix(options.classes, ignore);
    return new Evaluator(cm, options.classes, ignore, kernel, options.boundaryTolerance ?? 2);
  }

  /**
   * One image's predicted labels vs its ground truth (both width × height). With the webgpu
   * kernel the confusion counts land when the returned promise resolves: await it before report().
   */
  addLabels(pred: Labels, truth: Labels, width: number, height: number): void | Promise<void> {
    const pending = this.cm.addLabels(pred, truth);
    this.addBoundary(pred, truth, width, height);
    this.images++;
    return pending;
  }

  /** One image's class scores (channels × height × width, planar); the argmax is fused. */
  addLogits(
    logits: Float32Array,
    channels: number,
    truth: Labels,
    width: number,
    height: number,
  ): void | Promise<void> {
    const pending = this.cm.addLogits(logits, channels, truth);
    if (this.tolerance !== false)
      this.addBoundary(argmaxLabels(logits, channels, truth.length), truth, width, height);
    this.images++;
    return pending;
  }

  /** Frees the kernel's device (webgpu); the counts and report() stay available. */
  release(): void {
    this.cm.release?.();
  }

  private addBoundary(pred: Labels, truth: Labels, width: number, height: number): void {
    if (this.tolerance === false) return;
    const boxes = classBoxes(pred, truth, width, height, this.classes, this.ignoreLabel);
    for (let c = 0; c < this.classes; c++) {
      const box = boxes.subarray(4 * c, 4 * c + 4);
      if ((box[2] as number) < 0) continue; // absent from both
      const { p, t, w, h } = croppedClassMasks(pred, truth, c, this.ignoreLabel, this.classes, width, box);
      const k = boundaryCounts(p, t, w, h, this.tolerance);
      const acc = this.bc[c] as BoundaryCounts;
      acc.matchedPred += k.matchedPred;
      acc.predPixels += k.predPixels;
      acc.matchedTruth += k.matchedTruth;
      acc.truthPixels += k.truthPixels;
      const hd = hausdorff95(p, t, w, h);
      if (!Number.isNaN(hd)) {
        this.hdSum[c] += hd;
        this.hdCount[c]++;
      }
    }
  }

  get counts(): Float64Array {
    return this.cm.counts;
  }

  report(): MetricsReport {
    const counts = this.cm.counts;
    const matrix = new ConfusionMatrix(this.classes, this.ignoreLabel);
    matrix.counts.set(counts);
    const out: MetricsReport = {
      classes: this.classes,
      ignoreLabel: this.ignoreLabel,
      kernel: this.kernel,
      images: this.images,
      scores: scoresFromCounts(counts, this.classes),
      confusion: matrix.toRows(),
      skipped: { ...this.cm.skipped },
    };
    if (this.tolerance !== false) {
      const fScore = this.bc.map(boundaryF);
      const hd95 = Array.from(this.hdSum, (s, c) =>
        (this.hdCount[c] as number) > 0 ? s / (this.hdCount[c] as number) : Number.NaN,
      );
      out.boundary = {
        tolerance: this.tolerance,
        fScore,
        meanFScore: nanMean(fScore),
        hd95,
        meanHd95: nanMean(hd95),
        hd95Images: Array.from(this.hdCount),
      };
    }
    return out;
  }
}

/** The label map of planar scores with the kernels' argmax rule (channel 0 first, strictly greater wins). */
export function argmaxLabels(logits: Float32Array, channels: number, plane: number): Uint16Array {
  const out = new Uint16Array(plane);
  const best = logits.slice(0, plane);
  for (let c = 1; c < channels; c++) {
    const base = c * plane;
    for (let i = 0; i < plane; i++) {
      const v = logits[base + i] as number;
      if (v > (best[i] as number)) {
        best[i] = v;
        out[i] = c;
      }
    }
  }
  return out;
}
