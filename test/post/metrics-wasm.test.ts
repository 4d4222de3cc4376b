import { describe, expect, it } from 'vitest';
import { ConfusionMatrix, WasmConfusion } from '../../src/post/metrics/index.js';
import { Rng } from '../../src/util/random.js';

/** Labels in 0..classes+2 with ~10% ignore (255): includes unknown truth and bad predictions. */
function labels(rng: Rng, n: number, classes: number, ignore: boolean): Uint16Array {
  const out = new Uint16Array(n);
  for (let i = 0; i < n; i++) out[i] = ignore && rng.next() < 0.1 ? 255 : rng.int(0, classes + 2);
  return out;
}

describe('WASM confusion kernel (assembly/confusion.ts) equals the TS reference exactly', () => {
  it('label maps: several large random images with ignore, unknown and out-of-range labels', async () => {
    const rng = new Rng(11);
    const classes = 19;
    const ref = new ConfusionMatrix(classes);
    const wasm = await WasmConfusion.create(classes);
    for (const n of [513 * 257, 1, 7, 1024 * 1023]) {
      const pred = labels(rng, n, classes, false);
      const truth = labels(rng, n, classes, true);
      ref.addLabels(pred, truth);
      wasm.addLabels(pred, truth);
      // Uint8 inputs go through the same path.
      ref.addLabels(Uint8Array.from(pred), Uint8Array.from(truth));
      wasm.addLabels(Uint8Array.from(pred), Uint8Array.from(truth));
    }
    expect(ref.skipped.unknownTruth).toBeGreaterThan(0);
    expect(ref.skipped.badPrediction).toBeGreaterThan(0);
    expect(Array.from(wasm.counts)).toEqual(Array.from(ref.counts));
    expect(wasm.skipped).toEqual(ref.skipped);
  });

  it('fused argmax on logits: ties, NaN, -Infinity and a non-multiple-of-4 plane', async () => {
    const rng = new Rng(5);
    const classes = 21;
    const channels = 23; // two channels past the class list → bad predictions
    const ref = new ConfusionMatrix(classes);
    const wasm = await WasmConfusion.create(classes);
    for (const plane of [97 * 131, 3, 4096]) {
      const logits = new Float32Array(channels * plane);
      for (let i = 0; i < logits.length; i++) {
        const r = rng.next();
        // Quantized values make ties common; some NaN and -Infinity.
        logits[i] =
          r < 0.01 ? Number.NaN : r < 0.02 ? Number.NEGATIVE_INFINITY : Math.round(rng.normal() * 2);
      }
      const truth = labels(rng, plane, classes, true);
      ref.addLogits(logits, channels, truth);
      wasm.addLogits(logits, channels, truth);
    }
    expect(Array.from(wasm.counts)).toEqual(Array.from(ref.counts));
    expect(wasm.skipped).toEqual(ref.skipped);
    expect(ref.skipped.badPrediction).toBeGreaterThan(0);
  });

  it('ignore label inside the class range and "no ignore" (-1)', async () => {
    const rng = new Rng(3);
    for (const ignore of [0, -1]) {
      const ref = new ConfusionMatrix(5, ignore);
      const wasm = await WasmConfusion.create(5, ignore);
      const pred = labels(rng, 5000, 5, false);
      const truth = labels(rng, 5000, 5, true);
      ref.addLabels(pred, truth);
      wasm.addLabels(pred, truth);
      expect(Array.from(wasm.counts)).toEqual(Array.from(ref.counts));
      expect(wasm.skipped).toEqual(ref.skipped);
    }
  });
});
