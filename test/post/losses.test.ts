import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Tensor } from '../../src/engine/tensor.js';
import { InputError } from '../../src/errors.js';
import {
  crossEntropyLoss,
  focalLoss,
  hausdorffDtLoss,
  softDiceLoss,
  tverskyLoss,
} from '../../src/post/losses/index.js';

interface Fixture {
  dims: number[];
  ignore: number;
  logits: number[];
  labels: number[];
  weight: number[];
  ce: number;
  ceWeighted: number;
  focal: number;
  focalAlpha: number;
  focalGamma0: number;
  dice: number;
  tversky: number;
  tverskyHalf: number;
  hd: number;
  hdAlpha1: number;
}

const fx = JSON.parse(
  readFileSync(new URL('../fixtures/losses/losses.json', import.meta.url), 'utf8'),
) as Fixture;
const logits = Tensor.fromNumbers('float32', fx.dims, fx.logits);
const labels = Tensor.fromNumbers('int64', [fx.dims[0] as number, ...fx.dims.slice(2)], fx.labels);

/** |a − e| <= 1e-5·|e| (+1e-7 for values near 0). */
function close(actual: number, expected: number): void {
  expect(Math.abs(actual - expected), `got ${actual}, expected ${expected}`).toBeLessThanOrEqual(
    1e-5 * Math.abs(expected) + 1e-7,
  );
}

describe('losses vs PyTorch (scripts/make-loss-fixtures.py, rtol 1e-5)', () => {
  it('cross-entropy, plain and class-weighted, ignore_index 255', () => {
    close(crossEntropyLoss(logits, labels), fx.ce);
    close(crossEntropyLoss(logits, labels, { weight: fx.weight }), fx.ceWeighted);
  });

  it('focal loss (γ, α scalar and per class); γ = 0 is cross-entropy', () => {
    close(focalLoss(logits, labels), fx.focal);
    close(focalLoss(logits, labels, { gamma: 1.5, alpha: [0.25, 0.75, 0.5, 1] }), fx.focalAlpha);
    close(focalLoss(logits, labels, { gamma: 0 }), fx.focalGamma0);
  });

  it('soft Dice and Tversky; Tversky(0.5, 0.5) = Dice', () => {
    close(softDiceLoss(logits, labels), fx.dice);
    close(tverskyLoss(logits, labels), fx.tversky);
    close(tverskyLoss(logits, labels, { alpha: 0.5, beta: 0.5 }), fx.tverskyHalf);
  });

  it('Hausdorff-DT loss vs the scipy distance_transform_edt implementation', () => {
    close(hausdorffDtLoss(logits, labels), fx.hd);
    close(hausdorffDtLoss(logits, labels, { alpha: 1 }), fx.hdAlpha1);
  });
});

describe('losses (hand-computed and errors)', () => {
  it('cross-entropy of uniform logits is log C; a perfect prediction has zero Dice/HD loss', () => {
    const zeros = Tensor.fromNumbers('float32', [1, 4, 1, 2], new Array(8).fill(0));
    expect(crossEntropyLoss(zeros, [0, 3])).toBeCloseTo(Math.log(4), 12);
    // Huge margins: softmax is one-hot on the label.
    const sure = Tensor.fromNumbers('float32', [1, 2, 1, 3], [50, -50, 50, -50, 50, -50]);
    expect(softDiceLoss(sure, [0, 1, 0])).toBeCloseTo(0, 10);
    expect(hausdorffDtLoss(sure, [0, 1, 0])).toBeCloseTo(0, 10);
  });

  it('rejects labels outside the classes and mismatched sizes', () => {
    const t = Tensor.fromNumbers('float32', [1, 2, 1, 2], [0, 0, 0, 0]);
    expect(() => crossEntropyLoss(t, [0, 7])).toThrow(/label 7 at index 1/);
    expect(() => focalLoss(t, [0])).toThrow(InputError);
    expect(() => crossEntropyLoss(t, [0, 1], { weight: [1] })).toThrow(/weight has 1 values/);
  });
});
