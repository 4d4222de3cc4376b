import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  averagePrecision,
  boundaryCounts,
  boundaryMap,
  ConfusionMatrix,
  classBoxes,
  classMasks,
  croppedClassMasks,
  Evaluator,
  hausdorff95,
  scoresFromCounts,
  squaredEdt,
} from '../../src/post/metrics/index.js';
import { Rng } from '../../src/util/random.js';

const u8 = (v: number[]) => Uint8Array.from(v);

/** Element-wise |a − e| <= atol + rtol·|e|; NaN matches NaN. */
function expectClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tol: { atol: number; rtol?: number },
  label: string,
): void {
  expect(actual.length, `${label}: length`).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i] as number;
    const e = expected[i] as number;
    if (Number.isNaN(e) && Number.isNaN(a)) continue;
    const limit = tol.atol + (tol.rtol ?? 0) * Math.abs(e);
    expect(Math.abs(a - e) <= limit, `${label}[${i}]: got ${a}, expected ${e}`).toBe(true);
  }
}

describe('confusion matrix and scores (hand-computed)', () => {
  // truth / pred on 2x4 pixels, 3 classes, one ignore (255) and one unknown truth value (7).
  const truth = u8([0, 0, 1, 1, 2, 255, 7, 2]);
  const pred = u8([0, 1, 1, 1, 2, 0, 0, 0]);

  it('counts pixels row = truth, column = prediction; skips ignore and unknown labels', () => {
    const cm = new ConfusionMatrix(3);
    cm.addLabels(pred, truth);
    expect(cm.toRows()).toEqual([
      [1, 1, 0],
      [0, 2, 0],
      [1, 0, 1],
    ]);
    expect(cm.skipped).toEqual({ unknownTruth: 1, badPrediction: 0 });
    const bad = new ConfusionMatrix(2);
    bad.addLabels(u8([5]), u8([0]));
    expect(bad.skipped.badPrediction).toBe(1);
  });

  it('scores: accuracy, IoU, mIoU, fwIoU, Dice', () => {
    const cm = new ConfusionMatrix(4); // class 3 absent from both → NaN, out of the means
    cm.addLabels(pred, truth);
    const s = scoresFromCounts(cm.counts, 4);
    expect(s.pixelAccuracy).toBeCloseTo(4 / 6, 12);
    expect(s.classAccuracy.slice(0, 3)).toEqual([0.5, 1, 0.5]);
    expect(s.meanClassAccuracy).toBeCloseTo(2 / 3, 12);
    // IoU: c0 1/(2+2-1)=1/3, c1 2/(2+3-2)=2/3, c2 1/(2+1-1)=1/2
    expectClose(s.iou.slice(0, 3), [1 / 3, 2 / 3, 1 / 2], { atol: 1e-12 }, 'iou');
    expect(Number.isNaN(s.iou[3])).toBe(true);
    expect(s.meanIoU).toBeCloseTo((1 / 3 + 2 / 3 + 1 / 2) / 3, 12);
    expect(s.frequencyWeightedIoU).toBeCloseTo((2 / 3 + (2 * 2) / 3 + 2 / 2) / 6, 12);
    expectClose(s.dice.slice(0, 3), [2 / 4, 4 / 5, 2 / 3], { atol: 1e-12 }, 'dice');
  });

  it('addLogits fuses the argmax: ties go to the lower class', () => {
    // 3 pixels, 2 channels: pixel 0 tie → 0, pixel 1 → 1, pixel 2 → 0.
    const logits = Float32Array.from([1, 0, 5, 1, 2, 4]);
    const cm = new ConfusionMatrix(2);
    cm.addLogits(logits, 2, u8([0, 1, 1]));
    expect(cm.toRows()).toEqual([
      [1, 0],
      [1, 1],
    ]);
  });

  it('counts stay exact past 2^32', () => {
    const cm = new ConfusionMatrix(2);
    cm.counts[0] = 2 ** 32 + 5;
    cm.addLabels(u8([0, 0]), u8([0, 0]));
    expect(cm.at(0, 0)).toBe(2 ** 32 + 7);
  });
});

describe('boundary, HD95, EDT and AP (hand-computed)', () => {
  it('seg2bmap marks the pixel before each change (east, south, south-east)', () => {
    // 3x3 mask with a single foreground pixel at the centre.
    const b = boundaryMap(u8([0, 0, 0, 0, 1, 0, 0, 0, 0]), 3, 3);
    expect([...b]).toEqual([1, 1, 0, 1, 1, 0, 0, 0, 0]);
  });

  it('EDT of one feature pixel is the squared Euclidean distance', () => {
    const d = squaredEdt(u8([0, 0, 0, 0, 0, 0, 0, 0, 1]), 3, 3);
    expect([...d]).toEqual([8, 5, 4, 5, 2, 1, 4, 1, 0]);
    expect(squaredEdt(u8([0, 0]), 2, 1)[0]).toBe(Number.POSITIVE_INFINITY);
  });

  it('HD95 of two single-pixel masks is their distance', () => {
    const p = new Uint8Array(25);
    const t = new Uint8Array(25);
    p[0] = 1;
    t[3 * 5 + 4] = 1;
    expect(hausdorff95(p, t, 5, 5)).toBeCloseTo(5, 12);
    expect(Number.isNaN(hausdorff95(p, new Uint8Array(25), 5, 5))).toBe(true);
  });

  it('AP as sklearn: ties form one threshold', () => {
    // sklearn.metrics.average_precision_score([0,0,1,1], [0.1,0.4,0.35,0.8]) = 0.8333...
    expect(averagePrecision([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBeCloseTo(5 / 6, 12);
    // All tied: one threshold, precision = positive rate.
    expect(averagePrecision([0.5, 0.5, 0.5, 0.5], [1, 0, 0, 0])).toBeCloseTo(0.25, 12);
    expect(averagePrecision([0.2, 0.9, 0.1], [0, 255, 1])).toBeCloseTo(0.5, 12);
  });
});

describe('cropping to the class bounding box changes nothing', () => {
  it('boundary counts and HD95 equal the full-image ones, objects touching every edge included', () => {
    const rng = new Rng(21);
    const [w, h, classes] = [29, 23, 4];
    for (let trial = 0; trial < 20; trial++) {
      const truth = new Uint8Array(w * h);
      const pred = new Uint8Array(w * h);
      for (const map of [truth, pred]) {
        for (let k = 0; k < 4; k++) {
          const c = rng.int(1, classes - 1);
          const [x0, y0] = [rng.int(-3, w - 2), rng.int(-3, h - 2)];
          const [bw, bh] = [rng.int(1, 12), rng.int(1, 12)];
          for (let y = Math.max(0, y0); y < Math.min(h, y0 + bh); y++) {
            for (let x = Math.max(0, x0); x < Math.min(w, x0 + bw); x++) map[y * w + x] = c;
          }
        }
      }
      for (let i = 0; i < truth.length; i++) if (rng.next() < 0.03) truth[i] = 255;
      const boxes = classBoxes(pred, truth, w, h, classes, 255);
      for (let c = 0; c < classes; c++) {
        const [pm, tm] = classMasks(pred, truth, c, 255, classes);
        const box = boxes.subarray(4 * c, 4 * c + 4);
        if ((box[2] as number) < 0) {
          expect(pm.includes(1) || tm.includes(1)).toBe(false);
          continue;
        }
        const crop = croppedClassMasks(pred, truth, c, 255, classes, w, box);
        expect(boundaryCounts(crop.p, crop.t, crop.w, crop.h, 2)).toEqual(boundaryCounts(pm, tm, w, h, 2));
        const full = hausdorff95(pm, tm, w, h);
        const cropped = hausdorff95(crop.p, crop.t, crop.w, crop.h);
        if (Number.isNaN(full)) expect(cropped).toBeNaN();
        else expect(cropped).toBe(full);
      }
    }
  });
});

interface Oracle {
  classes: number;
  ignore: number;
  tolerance: number;
  images: { width: number; height: number; pred: number[]; truth: number[] }[];
  confusion: number[][];
  pixelAccuracy: number;
  classAccuracy: (number | null)[];
  meanClassAccuracy: number;
  iou: (number | null)[];
  meanIoU: number;
  frequencyWeightedIoU: number;
  dice: (number | null)[];
  boundaryF: (number | null)[];
  hd95: (number | null)[];
  hd95Images: number[];
  ap: { scores: number[]; targets: number[]; targetsIgnore: number[]; ap: number; apIgnore: number };
  edt: { width: number; height: number; features: number[]; distance: number[] };
}

const oracle = JSON.parse(
  readFileSync(new URL('../fixtures/metrics/metrics.json', import.meta.url), 'utf8'),
) as Oracle;
const nan = (v: (number | null)[]) => v.map((x) => (x === null ? Number.NaN : x));

describe('metrics vs the scikit-learn/scipy oracle (scripts/make-metrics-fixtures.py)', () => {
  for (const kernel of ['ref', 'wasm'] as const) {
    it(`confusion, scores, boundary F and HD95 (${kernel} confusion kernel)`, async () => {
      const ev = await Evaluator.create({
        classes: oracle.classes,
        ignoreLabel: oracle.ignore,
        kernel,
        boundaryTolerance: oracle.tolerance,
      });
      for (const im of oracle.images) ev.addLabels(u8(im.pred), u8(im.truth), im.width, im.height);
      const r = ev.report();
      expect(r.confusion).toEqual(oracle.confusion);
      const s = r.scores;
      const tol = { atol: 1e-12, rtol: 1e-12 };
      expectClose([s.pixelAccuracy], [oracle.pixelAccuracy], tol, 'pixel accuracy');
      expectClose(s.classAccuracy, nan(oracle.classAccuracy), tol, 'class accuracy');
      expectClose([s.meanClassAccuracy], [oracle.meanClassAccuracy], tol, 'mean class accuracy');
      expectClose(s.iou, nan(oracle.iou), tol, 'iou');
      expectClose(
        [s.meanIoU, s.frequencyWeightedIoU],
        [oracle.meanIoU, oracle.frequencyWeightedIoU],
        tol,
        'miou',
      );
      expectClose(s.dice, nan(oracle.dice), tol, 'dice');
      expectClose(r.boundary?.fScore ?? [], nan(oracle.boundaryF), tol, 'boundary F');
      expectClose(r.boundary?.hd95 ?? [], nan(oracle.hd95), tol, 'hd95');
      expect(r.boundary?.hd95Images).toEqual(oracle.hd95Images);
    });
  }

  it('exact EDT equals scipy distance_transform_edt', () => {
    const { width, height, features, distance } = oracle.edt;
    const d = Array.from(squaredEdt(features, width, height), Math.sqrt);
    expectClose(d, distance, { atol: 1e-12 }, 'edt');
  });

  it('average precision equals sklearn average_precision_score', () => {
    expect(averagePrecision(oracle.ap.scores, oracle.ap.targets)).toBeCloseTo(oracle.ap.ap, 12);
    expect(averagePrecision(oracle.ap.scores, oracle.ap.targetsIgnore)).toBeCloseTo(oracle.ap.apIgnore, 12);
  });
});
