import { InputError } from '../../errors.js';
import type { KernelFeatures } from './inputs.js';
import type { PairwiseMessage } from './meanfield.js';

/** The exact path stores an N x N matrix: beyond this many pixels use the lattice. */
export const EXACT_MAX_PIXELS = 4096;

function sqDist(f: Float64Array, d: number, i: number, j: number): number {
  let s = 0;
  for (let k = 0; k < d; k++) {
    const t = (f[i * d + k] as number) - (f[j * d + k] as number);
    s += t * t;
  }
  return s;
}

/**
 * Brute-force pairwise messages: A(i, j) = Σ_k w_k n_k(i) n_k(j) exp(−|f_i − f_j|² / 2) with
 * n_k = 1 / sqrt(Σ_j K_k(i, j)) (self term included), kept as a dense N x N matrix.
 */
export class ExactPairwise implements PairwiseMessage {
  readonly pixels: number;
  readonly classes: number;
  private readonly a: Float64Array;

  constructor(kernels: readonly KernelFeatures[], pixels: number, classes: number) {
    if (pixels > EXACT_MAX_PIXELS) {
      throw new InputError(
        `the exact CRF is O(N²) and limited to ${EXACT_MAX_PIXELS} pixels, this image has ${pixels}; use the lattice method (drop --exact)`,
      );
    }
    this.pixels = pixels;
    this.classes = classes;
    const n = pixels;
    const a = new Float64Array(n * n);
    const norm = new Float64Array(n);
    for (const { dims, weight, features } of kernels) {
      norm.fill(0);
      for (let i = 0; i < n; i++) {
        norm[i] = (norm[i] as number) + 1;
        for (let j = i + 1; j < n; j++) {
          const k = Math.exp(-0.5 * sqDist(features, dims, i, j));
          norm[i] = (norm[i] as number) + k;
          norm[j] = (norm[j] as number) + k;
        }
      }
      for (let i = 0; i < n; i++) norm[i] = 1 / Math.sqrt(norm[i] as number);
      for (let i = 0; i < n; i++) {
        const ni = weight * (norm[i] as number);
        a[i * n + i] = (a[i * n + i] as number) + ni * (norm[i] as number);
        for (let j = i + 1; j < n; j++) {
          const v = ni * (norm[j] as number) * Math.exp(-0.5 * sqDist(features, dims, i, j));
          a[i * n + j] = (a[i * n + j] as number) + v;
          a[j * n + i] = (a[j * n + i] as number) + v;
        }
      }
    }
    this.a = a;
  }

  message(q: Float64Array, out: Float64Array): void {
    const { pixels: n, classes: c, a } = this;
    out.fill(0);
    for (let i = 0; i < n; i++) {
      const o = i * c;
      for (let j = 0; j < n; j++) {
        const v = a[i * n + j] as number;
        const qj = j * c;
        for (let l = 0; l < c; l++) out[o + l] = (out[o + l] as number) + v * (q[qj + l] as number);
      }
    }
  }
}
