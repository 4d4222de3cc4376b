// The dense-CRF bench inputs, shared by bench/crf.ts and bench/crf-densecrf.ts so both time the
// same problem: the 512x512 astronaut and seeded noisy colour-based probabilities.
import { readFileSync } from 'node:fs';
import { Tensor } from '../src/engine/tensor.js';
import { decodePng, type RgbImage } from '../src/io/image.js';
import { Rng } from '../src/util/random.js';

/** assets/astronaut.png (512x512 RGB). */
export function loadAstronaut(): RgbImage {
  return decodePng(new Uint8Array(readFileSync(new URL('../assets/astronaut.png', import.meta.url))));
}

/** Softmax over classes of planar (C, H·W) scores → (1, C, H, W) float32. */
export function softmaxChw(
  scores: Float32Array | Float64Array,
  c: number,
  h: number,
  w: number,
): Tensor<'float32'> {
  const n = h * w;
  const out = new Float32Array(c * n);
  for (let i = 0; i < n; i++) {
    let m = -Infinity;
    for (let l = 0; l < c; l++) m = Math.max(m, scores[l * n + i] as number);
    let s = 0;
    for (let l = 0; l < c; l++) s += Math.exp((scores[l * n + i] as number) - m);
    for (let l = 0; l < c; l++) out[l * n + i] = Math.exp((scores[l * n + i] as number) - m) / s;
  }
  return new Tensor('float32', [1, c, h, w], out);
}

/**
 * The bench's probabilities: per class a seeded random colour centre; score = −(colour distance)/30
 * + N(0, 1) noise; softmax over the classes. Rng(seed) draws the centres, then the noise pixel by
 * pixel, class by class.
 */
export function noisyColourProbs(image: RgbImage, c = 21, seed = 1): Tensor<'float32'> {
  const { width: w, height: h } = image;
  const n = w * h;
  const rng = new Rng(seed);
  const centres = Array.from({ length: c }, () => [0, 1, 2].map(() => rng.uniform(0, 255)));
  const scores = new Float32Array(c * n);
  for (let i = 0; i < n; i++) {
    for (let l = 0; l < c; l++) {
      let d = 0;
      for (let k = 0; k < 3; k++) d += ((image.data[i * 3 + k] as number) - (centres[l]?.[k] as number)) ** 2;
      scores[l * n + i] = -Math.sqrt(d) / 30 + rng.normal();
    }
  }
  return softmaxChw(scores, c, h, w);
}
