import { Tensor } from '../../engine/tensor.js';
import { InputError } from '../../errors.js';
import { ExactPairwise } from './exact.js';
import {
  type CrfImage,
  type CrfProblem,
  checkCrfInput,
  checkCrfShape,
  checkCrfValues,
  crfKernels,
  crfKernelWriters,
  crfProblem,
  writeUnary,
} from './inputs.js';
import { buildLatticeKernels, LatticePairwise } from './lattice.js';
import { type IterationHook, meanField, type PairwiseMessage } from './meanfield.js';
import { type CrfParams, type CrfPresetName, resolveCrfParams } from './params.js';
import { latticeMeanFieldWasm } from './wasm.js';
import { latticeMeanFieldWebGpu } from './webgpu.js';

export { EXACT_MAX_PIXELS } from './exact.js';
export { CRF_PRESET_NAMES, CRF_PRESETS, type CrfParams, type CrfPresetName, crfPreset } from './params.js';

export type CrfMethod = 'exact' | 'lattice';
export type CrfBackend = 'ts' | 'wasm' | 'webgpu';

export interface DenseCrfOptions {
  /** Class probabilities (1, C, H, W) or (C, H, W); each pixel sums to 1. */
  probs?: Tensor;
  /** Or unnormalized class scores of the same shape (ψ_u = −log softmax). */
  logits?: Tensor;
  /** The RGB image the probabilities belong to, same H x W. */
  image: CrfImage;
  /** A preset name or fields over the default preset (deeplab-v2). */
  params?: Partial<CrfParams> | CrfPresetName;
  /** 'lattice' (default): permutohedral filtering; 'exact': O(N²) brute force for small images. */
  method?: CrfMethod;
  /** Lattice only: 'wasm' (default), 'webgpu' (lattice built in WASM, iterations on the GPU) or plain 'ts'. */
  backend?: CrfBackend;
  /**
   * Lattice on 'wasm': threads for the lattice build and the iterations (default 1); each phase
   * is split into disjoint row ranges, so Q is bit-identical to one thread's. On 'webgpu': threads
   * for the lattice build in WASM (default min(2, cores) where WASM threads run; same lattices).
   */
  threads?: number;
  /**
   * Write Q into this (1, C, H, W) (or (C, H, W)) float32 tensor and return it, instead of a new
   * one: a loop over video frames reuses one output and skips allocating (and page-faulting in)
   * C·H·W floats per call.
   */
  out?: Tensor<'float32'>;
  /** Called after each iteration with the pixel-major Q (runs the TS path whatever `backend` says). */
  onIteration?: IterationHook;
}

/** Pixel-major N x C back to (1, C, H, W), into `target` when given. */
function toTensor(
  q: ArrayLike<number>,
  p: Pick<CrfProblem, 'classes' | 'height' | 'width'>,
  stride: number,
  target?: Tensor<'float32'>,
): Tensor<'float32'> {
  const { classes: c, height: h, width: w } = p;
  const n = h * w;
  const out = target?.data ?? new Float32Array(c * n);
  for (let i = 0; i < n; i++) for (let l = 0; l < c; l++) out[l * n + i] = q[i * stride + l] as number;
  return target ?? new Tensor('float32', [1, c, h, w], out);
}

/** `out`, checked against the problem's (C, H, W): a typed error names what does not fit. */
function outputTensor(
  out: Tensor | undefined,
  p: Pick<CrfProblem, 'classes' | 'height' | 'width'>,
): Tensor<'float32'> | undefined {
  if (out === undefined) return undefined;
  const want = [p.classes, p.height, p.width];
  const shape = out.dims.length === 4 && out.dims[0] === 1 ? out.dims.slice(1) : out.dims;
  if (out.dtype !== 'float32' || shape.join() !== want.join()) {
    throw new InputError(
      `denseCrf out must be a float32 tensor of shape (1, ${want.join(', ')}) or (${want.join(', ')}); ` +
        `got ${out.dtype} (${out.dims.join(', ')})`,
    );
  }
  return out as Tensor<'float32'>;
}

/** The pairwise operator of a checked problem (for energies and tests). */
export function crfPairwise(p: CrfProblem, params: CrfParams, method: CrfMethod): PairwiseMessage {
  const kernels = crfKernels(p, params);
  const n = p.width * p.height;
  return method === 'exact'
    ? new ExactPairwise(kernels, n, p.classes)
    : new LatticePairwise(buildLatticeKernels(kernels, n), p.classes);
}

/**
 * Dense CRF mean-field inference (Krähenbühl & Koltun 2011, Potts, two Gaussian kernels with
 * symmetric normalization). Returns Q as (1, C, H, W) float32.
 */
export async function denseCrf(options: DenseCrfOptions): Promise<Tensor<'float32'>> {
  const method = options.method ?? 'lattice';
  const backend = options.backend ?? 'wasm';
  if (method !== 'exact' && method !== 'lattice') {
    throw new InputError(`unknown CRF method '${String(method)}'; methods: exact, lattice`);
  }
  if (backend !== 'ts' && backend !== 'wasm' && backend !== 'webgpu') {
    throw new InputError(`unknown CRF backend '${String(backend)}'; backends: ts, wasm, webgpu`);
  }
  const params = resolveCrfParams(options.params);
  if (method === 'lattice' && backend === 'wasm' && !options.onIteration) {
    // float32 scores go to the module as they are: it checks their values (the exact JS check runs
    // only when its scan finds something) and computes the unaries itself.
    const input = checkCrfShape(options);
    // The features are written straight into the module's memory.
    const kernels = crfKernelWriters(input, params);
    const { kind, scores, classes: c, height: h, width: w } = input;
    const unary =
      scores instanceof Float32Array
        ? { kind, scores, verify: () => checkCrfValues(input) }
        : crfProblem(options).unary;
    const target = outputTensor(options.out, input);
    const { q } = await latticeMeanFieldWasm(unary, c, kernels, params.iterations, {
      layout: 'planes',
      threads: options.threads,
      output: target?.data,
    });
    return target ?? new Tensor('float32', [1, c, h, w], q);
  }
  if (method === 'lattice' && backend === 'webgpu' && !options.onIteration) {
    // ψ straight to float32 (what the GPU reads) and the features written by the WASM build.
    const input = checkCrfInput(options);
    const target = outputTensor(options.out, input);
    const unary = new Float32Array(input.width * input.height * input.classes);
    writeUnary(input, unary);
    const kernels = crfKernelWriters(input, params);
    // Q turned into planes on the GPU and read back into the output tensor.
    const { q } = await latticeMeanFieldWebGpu(unary, input.classes, kernels, params.iterations, {
      threads: options.threads,
      layout: 'planes',
      output: target?.data,
    });
    const { classes: c, height: h, width: w } = input;
    return target ?? new Tensor('float32', [1, c, h, w], q);
  }
  const p = crfProblem(options);
  const target = outputTensor(options.out, p);
  const pairwise = crfPairwise(p, params, method);
  const q = meanField(p.unary, p.classes, pairwise, params.iterations, options.onIteration);
  return toTensor(q, p, p.classes, target);
}

export { type CrfImage, type CrfProblem, crfProblem } from './inputs.js';
export { meanField, meanFieldEnergy, type PairwiseMessage } from './meanfield.js';
