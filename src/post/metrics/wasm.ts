import { instantiateAtrousWasm, type WasmInstance } from '../../engine/backends/wasm/module.js';
import { InputError } from '../../errors.js';
import type { Labels, SkipCounts } from './confusion.js';

type LabelsFn = (
  pred: number,
  gt: number,
  n: number,
  classes: number,
  ignore: number,
  counts: number,
  stats: number,
) => void;
type LogitsFn = (
  logits: number,
  channels: number,
  plane: number,
  gt: number,
  classes: number,
  ignore: number,
  counts: number,
  stats: number,
) => void;

/**
 * The confusion matrix accumulated by the WASM kernel (assembly/confusion.ts): counts live in
 * WASM memory across images; `counts` copies them out. Same rules and result as ConfusionMatrix.
 */
export class WasmConfusion {
  private readonly labelsFn: LabelsFn;
  private readonly logitsFn: LogitsFn;
  private readonly countsAt: number;
  private readonly statsAt: number;

  private constructor(
    private readonly wasm: WasmInstance,
    readonly classes: number,
    readonly ignoreLabel: number,
  ) {
    this.labelsFn = wasm.fn<LabelsFn>('confusionLabels');
    this.logitsFn = wasm.fn<LogitsFn>('confusionLogits');
    this.countsAt = wasm.alloc(classes * classes * 8);
    this.statsAt = wasm.alloc(16);
  }

  static async create(classes: number, ignoreLabel = 255): Promise<WasmConfusion> {
    if (!Number.isInteger(classes) || classes < 1 || classes > 65535) {
      throw new InputError(`a confusion matrix needs 1..65535 classes, got ${classes}`);
    }
    // The kernel compares u16 labels with an i32 ignore value: -1 means none.
    const ignore =
      Number.isInteger(ignoreLabel) && ignoreLabel >= 0 && ignoreLabel < 65536 ? ignoreLabel : -1;
    return new WasmConfusion(await instantiateAtrousWasm(), classes, ignore);
  }

  private copyLabels(labels: Labels): number {
    const at = this.wasm.alloc(labels.length * 2);
    new Uint16Array(this.wasm.memory.buffer, at, labels.length).set(labels);
    return at;
  }

  addLabels(pred: Labels, truth: Labels): void {
    if (pred.length !== truth.length) {
      throw new InputError(`prediction has ${pred.length} pixels but the ground truth has ${truth.length}`);
    }
    const mark = this.wasm.mark();
    try {
      const p = this.copyLabels(pred);
      const g = this.copyLabels(truth);
      this.labelsFn(p, g, truth.length, this.classes, this.ignoreLabel, this.countsAt, this.statsAt);
    } finally {
      this.wasm.release(mark);
    }
  }

  addLogits(logits: Float32Array, channels: number, truth: Labels): void {
    if (logits.length !== channels * truth.length) {
      throw new InputError(
        `scores have ${logits.length} values, expected ${channels} channels x ${truth.length} pixels`,
      );
    }
    const mark = this.wasm.mark();
    try {
      const at = this.wasm.alloc(logits.length * 4);
      new Float32Array(this.wasm.memory.buffer, at, logits.length).set(logits);
      const g = this.copyLabels(truth);
      this.logitsFn(
        at,
        channels,
        truth.length,
        g,
        this.classes,
        this.ignoreLabel,
        this.countsAt,
        this.statsAt,
      );
    } finally {
      this.wasm.release(mark);
    }
  }

  /** A copy of the counts (row = truth, column = prediction). */
  get counts(): Float64Array {
    return new Float64Array(this.wasm.memory.buffer, this.countsAt, this.classes * this.classes).slice();
  }

  get skipped(): SkipCounts {
    const s = new Float64Array(this.wasm.memory.buffer, this.statsAt, 2);
    return { unknownTruth: s[0] as number, badPrediction: s[1] as number };
  }
}
