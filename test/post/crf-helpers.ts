import { loadAstronaut, softmaxChw } from '../../bench/crf-inputs.js';
import type { Tensor } from '../../src/engine/tensor.js';
import type { RgbImage } from '../../src/io/image.js';
import { Rng } from '../../src/util/random.js';

/** A size x size crop of assets/astronaut.png at (x0, y0). */
export function astronautCrop(x0: number, y0: number, size: number): RgbImage {
  const full = loadAstronaut();
  const data = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      for (let k = 0; k < 3; k++) {
        data[(y * size + x) * 3 + k] = full.data[((y + y0) * full.width + x + x0) * 3 + k] as number;
      }
    }
  }
  return { width: size, height: size, data };
}

/** Softmax over classes of (C, N) scores → (1, C, H, W) float32 probabilities (the bench's). */
export { softmaxChw as softmaxProbs } from '../../bench/crf-inputs.js';

/** Noisy probabilities loosely tied to the colours, as a weak segmenter would give. */
export function colourProbs(image: RgbImage, c: number, seed: number): Tensor<'float32'> {
  const rng = new Rng(seed);
  const n = image.width * image.height;
  const centres = Array.from({ length: c }, () => [
    rng.uniform(0, 255),
    rng.uniform(0, 255),
    rng.uniform(0, 255),
  ]);
  const scores = new Float64Array(c * n);
  for (let i = 0; i < n; i++) {
    for (let l = 0; l < c; l++) {
      const ctr = centres[l] as number[];
      let d = 0;
      for (let k = 0; k < 3; k++) d += ((image.data[i * 3 + k] as number) - (ctr[k] as number)) ** 2;
      scores[l * n + i] = -Math.sqrt(d) / 40 + rng.normal() * 0.8;
    }
  }
  return softmaxChw(scores, c, image.height, image.width);
}

/** Three colour regions (left, right, a disc) with truth labels and slight pixel noise. */
export function synthetic(size: number, seed: number): { image: RgbImage; truth: Uint8Array } {
  const rng = new Rng(seed);
  const colours = [
    [200, 50, 40],
    [40, 70, 200],
    [60, 190, 70],
  ];
  const data = new Uint8Array(size * size * 3);
  const truth = new Uint8Array(size * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const disc = (x - size * 0.6) ** 2 + (y - size * 0.45) ** 2 < (size * 0.22) ** 2;
      const l = disc ? 2 : x < size * 0.4 + y * 0.2 ? 0 : 1;
      truth[y * size + x] = l;
      for (let k = 0; k < 3; k++) {
        const v = (colours[l]?.[k] as number) + rng.normal() * 4;
        data[(y * size + x) * 3 + k] = Math.max(0, Math.min(255, Math.round(v)));
      }
    }
  }
  return { image: { width: size, height: size, data }, truth };
}

/** Per-pixel argmax of (1, C, H, W). */
export function argmax(q: Tensor): Uint8Array {
  const [c, h, w] = q.dims.slice(-3) as [number, number, number];
  const n = h * w;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    let b = 0;
    for (let l = 1; l < c; l++) if ((q.data[l * n + i] as number) > (q.data[b * n + i] as number)) b = l;
    out[i] = b;
  }
  return out;
}

export function agreement(a: Uint8Array, b: Uint8Array): number {
  let k = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) k++;
  return k / a.length;
}

export function meanAbsDiff(a: Tensor, b: Tensor): number {
  let s = 0;
  for (let i = 0; i < a.data.length; i++) s += Math.abs((a.data[i] as number) - (b.data[i] as number));
  return s / a.data.length;
}
