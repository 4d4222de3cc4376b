import type { Tensor } from '../../engine/tensor.js';
import { InputError } from '../../errors.js';
import type { CrfParams } from './params.js';

/** Tolerance on |Σ_l p(l) - 1| per pixel. */
export const PROB_SUM_TOLERANCE = 1e-3;
/** Probabilities are clipped to [PROB_CLIP, 1] before the log (densecrf's convention). */
export const PROB_CLIP = 1e-5;
/** Pixels per block of the probability sum check. */
const SUM_BLOCK = 4096;

/**
 * The image the CRF reads colours from: interleaved RGB, 0-255 (an RgbImage, or float values
 * from the DenseCRF graph op).
 */
export interface CrfImage {
  width: number;
  height: number;
  data: ArrayLike<number>;
}

/** A checked CRF problem: unaries pixel-major (pixel i, class l at i * classes + l). */
export interface CrfProblem {
  classes: number;
  height: number;
  width: number;
  /** ψ_u, length H * W * C, pixel-major. */
  unary: Float64Array;
  image: CrfImage;
}

function chw(t: Tensor, what: string): [number, number, number] {
  const d = t.dims;
  if (!(d.length === 3 || (d.length === 4 && d[0] === 1))) {
    throw new InputError(`CRF ${what} must have shape (1, C, H, W) or (C, H, W), got [${d.join(', ')}]`);
  }
  if (t.dtype !== 'float32' && t.dtype !== 'float64') {
    throw new InputError(`CRF ${what} must be float32 or float64, got ${t.dtype}`);
  }
  const [c, h, w] = d.slice(-3) as [number, number, number];
  if (c < 1 || h < 1 || w < 1) throw new InputError(`CRF ${what} is empty: [${d.join(', ')}]`);
  return [c, h, w];
}

/** Checked CRF inputs before the unaries: the scores as given, planar (C, H·W). */
export interface CrfInput {
  classes: number;
  height: number;
  width: number;
  kind: 'probs' | 'logits';
  scores: Float32Array | Float64Array;
  image: CrfImage;
}

/**
 * Checks the inputs: exactly one of probs / logits, shapes, dtypes, the image size, and per pixel
 * probabilities >= 0 summing to 1 (± PROB_SUM_TOLERANCE) or finite logits.
 */
export function checkCrfInput(input: { probs?: Tensor; logits?: Tensor; image: CrfImage }): CrfInput {
  const checked = checkCrfShape(input);
  checkCrfValues(checked);
  return checked;
}

/** checkCrfInput without the scan of the values (the WASM path scans them in the module first). */
export function checkCrfShape(input: { probs?: Tensor; logits?: Tensor; image: CrfImage }): CrfInput {
  const { probs, logits, image } = input;
  if ((probs === undefined) === (logits === undefined)) {
    throw new InputError('denseCrf needs exactly one of probs or logits');
  }
  const t = (probs ?? logits) as Tensor;
  const what = probs ? 'probabilities' : 'logits';
  const [c, h, w] = chw(t, what);
  if (!image || image.data?.length !== image.width * image.height * 3) {
    throw new InputError('CRF image must be RGB (width * height * 3 values)');
  }
  if (image.width !== w || image.height !== h) {
    throw new InputError(
      `CRF image is ${image.width}x${image.height} but the ${what} are ${w}x${h} (W x H); resize one to match`,
    );
  }
  return {
    classes: c,
    height: h,
    width: w,
    kind: probs ? 'probs' : 'logits',
    scores: t.data as Float32Array | Float64Array,
    image,
  };
}

/**
 * The value checks of checkCrfInput: probabilities >= 0 summing to 1 per pixel, or finite logits.
 * Throws an InputError naming the first offending value.
 */
export function checkCrfValues(checked: CrfInput): void {
  const { classes: c, height: h, width: w, scores: src } = checked;
  const probs = checked.kind === 'probs';
  const n = h * w;
  const where = (i: number) => `(y ${Math.floor(i / w)}, x ${i % w})`;
  if (probs) {
    // Pixel blocks: the sums stay in a small array (a whole-image one is 8 bytes a pixel of fresh
    // memory per call) while each class plane is still read in order.
    const sums = new Float64Array(Math.min(n, SUM_BLOCK));
    for (let i0 = 0; i0 < n; i0 += SUM_BLOCK) {
      const i1 = Math.min(n, i0 + SUM_BLOCK);
      sums.fill(0);
      for (let l = 0; l < c; l++) {
        for (let i = i0; i < i1; i++) {
          const p = src[l * n + i] as number;
          if (!(p >= 0)) {
            throw new InputError(
              `CRF probabilities must be >= 0 and finite: class ${l} at ${where(i)} is ${p}`,
            );
          }
          sums[i - i0] = (sums[i - i0] as number) + p;
        }
      }
      for (let i = i0; i < i1; i++) {
        const sum = sums[i - i0] as number;
        if (!(Math.abs(sum - 1) <= PROB_SUM_TOLERANCE)) {
          throw new InputError(
            `CRF probabilities must sum to 1 over the classes (±${PROB_SUM_TOLERANCE}): pixel ${where(i)} sums to ${Number(sum.toFixed(6))}; give unnormalized scores as logits instead`,
          );
        }
      }
    }
  } else {
    for (let e = 0; e < c * n; e++) {
      const v = src[e] as number;
      if (!Number.isFinite(v)) {
        throw new InputError(`CRF logits must be finite: class ${Math.floor(e / n)}, pixel ${e % n} is ${v}`);
      }
    }
  }
}

/**
 * Checks the inputs and computes ψ_u: −log(clip(p, 1e-5, 1)) from probabilities, or
 * −log softmax(logits) from logits (the same mean field as ψ = −logits; no clipping).
 */
export function crfProblem(input: { probs?: Tensor; logits?: Tensor; image: CrfImage }): CrfProblem {
  return problemOf(checkCrfInput(input));
}

/** Checked inputs with their unaries (ψ pixel-major, f64). */
export function problemOf(checked: CrfInput): CrfProblem {
  const { classes: c, height: h, width: w } = checked;
  const unary = new Float64Array(h * w * c);
  writeUnary(checked, unary);
  return { classes: c, height: h, width: w, unary, image: checked.image };
}

/**
 * ψ_u of checked inputs, pixel-major, into `into` (H·W·C values): crfProblem's formulas in f64; a
 * Float32Array gets each value rounded once, the same floats as a float32 copy of crfProblem's.
 */
export function writeUnary(checked: CrfInput, into: Float64Array | Float32Array): void {
  const { classes: c, height: h, width: w, scores: src } = checked;
  const n = h * w;
  for (let i = 0; i < n; i++) {
    if (checked.kind === 'probs') {
      for (let l = 0; l < c; l++) {
        into[i * c + l] = -Math.log(Math.min(1, Math.max(PROB_CLIP, src[l * n + i] as number)));
      }
    } else {
      let max = -Infinity;
      for (let l = 0; l < c; l++) max = Math.max(max, src[l * n + i] as number);
      let s = 0;
      for (let l = 0; l < c; l++) s += Math.exp((src[l * n + i] as number) - max);
      const lse = max + Math.log(s);
      for (let l = 0; l < c; l++) into[i * c + l] = lse - (src[l * n + i] as number);
    }
  }
}

/** Kernel features per pixel, already divided by the stds: d values per pixel. */
export interface KernelFeatures {
  dims: number;
  weight: number;
  features: Float64Array;
}

/**
 * A kernel whose features are written where the caller wants them (the WASM module's memory),
 * without an n · d array of their own: 15 MB of fresh memory per 512x512 image for the two
 * kernels, which the 2-vCPU VM of NOTES.md page-faults in at ~20 µs per 4 KB page.
 */
export interface KernelFeatureWriter {
  dims: number;
  weight: number;
  /** Writes the n · dims features, pixel-major, into `into`. */
  write(into: Float64Array): void;
}

/** Either form of a kernel: the WASM lattice build takes both. */
export type CrfKernel = KernelFeatures | KernelFeatureWriter;

/** Writes `k`'s features into `into` (n · k.dims values). */
export function writeKernelFeatures(k: CrfKernel, into: Float64Array): void {
  if ('features' in k) into.set(k.features);
  else k.write(into);
}

/** The smoothness (x, y)/σ_pos and appearance (x, y)/σ_xy, (r, g, b)/σ_rgb kernels, as writers. */
export function crfKernelWriters(
  problem: Pick<CrfProblem, 'width' | 'height' | 'image'>,
  p: CrfParams,
): KernelFeatureWriter[] {
  const { width: w, height: h, image } = problem;
  const out: KernelFeatureWriter[] = [];
  if (p.posW > 0) {
    const write = (pos: Float64Array) => {
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const i = y * w + x;
          pos[i * 2] = x / p.posXyStd;
          pos[i * 2 + 1] = y / p.posXyStd;
        }
      }
    };
    out.push({ dims: 2, weight: p.posW, write });
  }
  if (p.biW > 0) {
    const write = (bi: Float64Array) => {
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const i = y * w + x;
          bi[i * 5] = x / p.biXyStd;
          bi[i * 5 + 1] = y / p.biXyStd;
          for (let k = 0; k < 3; k++) bi[i * 5 + 2 + k] = (image.data[i * 3 + k] as number) / p.biRgbStd;
        }
      }
    };
    out.push({ dims: 5, weight: p.biW, write });
  }
  return out;
}

/** The smoothness and appearance kernels with their features in arrays of their own. */
export function crfKernels(
  problem: Pick<CrfProblem, 'width' | 'height' | 'image'>,
  p: CrfParams,
): KernelFeatures[] {
  return kernelArrays(crfKernelWriters(problem, p), problem.width * problem.height);
}

/** The kernels with their features in arrays (writers write into new ones, arrays stay). */
export function kernelArrays(kernels: readonly CrfKernel[], n: number): KernelFeatures[] {
  return kernels.map((k) => {
    if ('features' in k) return k;
    const features = new Float64Array(n * k.dims);
    k.write(features);
    return { dims: k.dims, weight: k.weight, features };
  });
}

/** In-place softmax of −ψ + msg over each pixel's classes: Q = softmax(logit). */
export function softmaxRows(logit: Float64Array, q: Float64Array, classes: number): void {
  const n = logit.length / classes;
  for (let i = 0; i < n; i++) {
    const o = i * classes;
    let max = -Infinity;
    for (let l = 0; l < classes; l++) max = Math.max(max, logit[o + l] as number);
    let s = 0;
    for (let l = 0; l < classes; l++) {
      const e = Math.exp((logit[o + l] as number) - max);
      q[o + l] = e;
      s += e;
    }
    for (let l = 0; l < classes; l++) q[o + l] = (q[o + l] as number) / s;
  }
}
