import type { WasmInstance } from '../../engine/backends/wasm/module.js';
import type { KernelFeatures } from './inputs.js';
import type { Lattice } from './lattice.js';
import { type CrfExports, type CrfIterKernels, crfWasm, crfWasmThreads } from './wasm-module.js';

/** A lattice living in WASM memory: byte offsets of its arrays. */
interface WasmLattice {
  n: number;
  d1: number;
  m: number;
  offsets: number;
  weights: number;
  neighbors: number;
  /** The largest |neighbour id − id| over all directions. */
  lag: number;
  norm: number;
  weight: number;
  alpha: number;
}

/**
 * Builds one kernel's lattice in WASM (crfBuildLattice + crfBuildNeighbors, the same ids as the
 * TS buildLattice). The hash table and keys are scratch: the neighbours are moved down over them.
 */
function buildInWasm(
  wasm: CrfExports,
  lay: WasmInstance,
  k: KernelFeatures,
  n: number,
  scratch: number,
  tick: (phase: string) => void = () => {},
): WasmLattice {
  const d = k.dims;
  const d1 = d + 1;
  const offsets = lay.alloc(n * d1 * 4);
  const weights = lay.alloc(n * d1 * 4);
  const norm = lay.alloc(n * 4);
  const mark = lay.mark();
  const features = lay.alloc(n * d * 8);
  // Room for the worst case (every vertex distinct) at half load; it starts near 2n slots.
  let reserve = 1024;
  while (reserve < 2 * n * d1) reserve *= 2;
  let slots = 1024;
  while (slots < 2 * n && slots < reserve) slots *= 2;
  const table = lay.alloc(reserve * 4);
  const keys = lay.alloc(n * d1 * d * 4);
  new Float64Array(lay.memory.buffer, features, n * d).set(k.features);
  new Int32Array(lay.memory.buffer, table, slots).fill(0);
  tick('build: features+table');
  const m = wasm.crfBuildLattice(n, d, features, offsets, weights, table, slots - 1, keys, scratch);
  tick('build: lattice');
  const bytes = d1 * m * 2 * 4;
  const tmp = lay.alloc(bytes);
  new Int32Array(lay.memory.buffer, tmp, d1 * m * 2).fill(0);
  const lag = wasm.crfBuildNeighbors(m, d, table, wasm.crfTableMask(), keys, tmp, scratch);
  // Moved down over the scratch, to where alloc puts them (16-aligned: not `mark` itself when
  // n · d1 is not a multiple of 4).
  lay.release(mark);
  const neighbors = lay.alloc(bytes);
  new Uint8Array(lay.memory.buffer).copyWithin(neighbors, tmp, tmp + bytes);
  tick('build: neighbors');
  return { n, d1, m, offsets, weights, neighbors, lag, norm, weight: k.weight, alpha: 1 / (1 + 2 ** -d) };
}

/** The lattice of `features` built in WASM, copied out (for tests against buildLattice). */
export async function buildLatticeWasm(features: Float64Array, n: number, d: number): Promise<Lattice> {
  const { wasm, mem: lay } = await crfWasm();
  const start = lay.mark();
  try {
    const scratch = lay.alloc(1024);
    const l = buildInWasm(wasm, lay, { dims: d, weight: 1, features }, n, scratch);
    const buf = lay.memory.buffer;
    return {
      pixels: n,
      d1: l.d1,
      points: l.m,
      offsets: new Int32Array(buf, l.offsets, n * l.d1).slice(),
      weights: new Float32Array(buf, l.weights, n * l.d1).slice(),
      neighbors: new Int32Array(buf, l.neighbors, l.d1 * l.m * 2).slice(),
      alpha: l.alpha,
    };
  } finally {
    lay.release(start);
  }
}

/** Milliseconds per phase, summed over iterations (bench/crf.ts --phases). */
export type CrfTimings = Record<string, number>;

function phaseClock(
  timings: CrfTimings | undefined,
  clock = () => performance.now(),
): (phase: string) => void {
  if (!timings) return () => {};
  let t = clock();
  return (phase) => {
    const now = clock();
    timings[phase] = (timings[phase] ?? 0) + now - t;
    t = now;
  };
}

export interface CrfRunOptions {
  /** Per-phase milliseconds are added here (bench/crf.ts). */
  timings?: CrfTimings;
  /** The clock of `timings` in ms (default performance.now; benches pass CPU time). */
  clock?: () => number;
  /**
   * 'pixels' (default): Q pixel-major, `stride` floats per pixel. 'planes': Q as C planes of N
   * (the (1, C, H, W) tensor layout, stride = 0), read straight out of module memory (one copy).
   */
  layout?: 'pixels' | 'planes';
  /**
   * Write Q as C planes of N (the 'planes' layout) to this byte offset of the module memory
   * instead of returning it (the DenseCRF node's output slot). The returned q is then empty.
   */
  into?: number;
  /** Threads for the iterations (default 1): atrous-mt.wasm with workers over shared memory. */
  threads?: number;
}

/**
 * One kernel ready to iterate: the slice side (offsets, slice weights with weight · alpha · n(i)
 * folded in), the splat side as a CSR gather (start, pix, splat weights with n(pix) folded in),
 * the blur neighbours and two value buffers of (m + 1) x cp floats (row 0 zero).
 */
interface PreparedKernel {
  d1: number;
  m: number;
  offsets: number;
  slice: number;
  start: number;
  pix: number;
  splat: number;
  neighbors: number;
  /** Bytes between class chunks of a value buffer: (m + 1) x cw floats. */
  chunk: number;
  a: number;
  b: number;
  /** The buffer the last blur left its result in. */
  out: number;
  /** Wavefront blur (one thread): the largest neighbour id distance and the ring memory, or 0. */
  lag: number;
  ring: number;
  /** The splat runs inside the wavefront (24 lanes), not as its own pass. */
  waveSplat: boolean;
}

function prepareKernel(
  wasm: CrfExports,
  lay: WasmInstance,
  k: KernelFeatures,
  n: number,
  scratch: number,
  tick: (phase: string) => void,
): PreparedKernel {
  const l = buildInWasm(wasm, lay, k, n, scratch, tick);
  const { d1, m } = l;
  const start = lay.alloc((m + 2) * 4);
  const pix = lay.alloc(n * d1 * 4);
  const splat = lay.alloc(n * d1 * 4);
  const mark = lay.mark();
  const cursor = lay.alloc((m + 2) * 4);
  wasm.crfBuildSplat(n, d1, m, l.offsets, l.weights, start, cursor, pix, splat);
  tick('build: splat CSR');
  const na = lay.alloc((m + 1) * 4);
  const nb = lay.alloc((m + 1) * 4);
  new Float32Array(lay.memory.buffer, na, 1)[0] = 0;
  new Float32Array(lay.memory.buffer, nb, 1)[0] = 0;
  wasm.crfLatticeNorm(n, d1, m, l.offsets, l.weights, start, splat, l.neighbors, l.alpha, na, nb, l.norm);
  tick('build: norm');
  lay.release(mark);
  // The slice weights overwrite the barycentric weights in place.
  wasm.crfScaleWeights(n, d1, l.norm, pix, splat, l.weights, l.weight * l.alpha, l.weights);
  tick('build: scale weights');
  return {
    d1,
    m,
    offsets: l.offsets,
    slice: l.weights,
    start,
    pix,
    splat,
    neighbors: l.neighbors,
    chunk: 0,
    a: 0,
    b: 0,
    out: 0,
    lag: l.lag,
    ring: 0,
    waveSplat: false,
  };
}

/**
 * One kernel's lattice as host arrays (for the WebGPU path): slice side per pixel vertex
 * (lattice point, weight with weight · alpha · n(i) folded in), splat side as CSR (start per
 * point, then pixel and weight with n(pix) folded in), blur neighbours (d1 x m x 2).
 */
export interface HostLattice {
  d1: number;
  m: number;
  offsets: Int32Array;
  slice: Float32Array;
  start: Int32Array;
  pix: Int32Array;
  splat: Float32Array;
  neighbors: Int32Array;
}

/** Builds every kernel's lattice in WASM (as the WASM mean field does) and copies it out. */
export async function buildCrfLatticesWasm(
  kernels: readonly KernelFeatures[],
  n: number,
  options: CrfRunOptions = {},
): Promise<HostLattice[]> {
  const { wasm, mem: lay } = await crfWasm();
  const mark = lay.mark();
  const tick = phaseClock(options.timings);
  try {
    const scratch = lay.alloc(1024);
    return kernels.map((k) => {
      const p = prepareKernel(wasm, lay, k, n, scratch, tick);
      const buf = lay.memory.buffer;
      const e = n * p.d1;
      return {
        d1: p.d1,
        m: p.m,
        offsets: new Int32Array(buf, p.offsets, e).slice(),
        slice: new Float32Array(buf, p.slice, e).slice(),
        start: new Int32Array(buf, p.start, p.m + 2).slice(),
        pix: new Int32Array(buf, p.pix, e).slice(),
        splat: new Float32Array(buf, p.splat, e).slice(),
        neighbors: new Int32Array(buf, p.neighbors, p.d1 * p.m * 2).slice(),
      };
    });
  } finally {
    lay.release(mark);
  }
}

/**
 * The whole lattice mean field in WASM SIMD: builds each kernel's lattice once (ids, barycentric
 * weights, blur neighbours, the splat as a CSR gather, n_k = 1 / sqrt(K_k 1)), uploads ψ_u
 * (or computes it from float32 scores) with classes padded to a multiple of 4, then each iteration splats Q through both lattices, blurs,
 * and slices + adds the unary + softmaxes in one fused pass. No allocation per iteration.
 * Returns Q pixel-major with `stride` floats per pixel. The module memory grows to fit and is
 * reused by later calls.
 */
export async function latticeMeanFieldWasm(
  unary: Float64Array | CrfScores,
  classes: number,
  kernels: readonly KernelFeatures[],
  iterations: number,
  options: CrfRunOptions = {},
): Promise<{ q: Float32Array; stride: number }> {
  const { wasm, mem: lay, iter } = await crfWasmThreads(options.threads ?? 1);
  const start = lay.mark();
  try {
    return crfMeanField(wasm, lay, iter, unary, classes, kernels, iterations, options);
  } finally {
    lay.release(start);
  }
}

/**
 * Classes per value-buffer chunk. Chunks make each blur pass stream a fraction of the buffer, but
 * on the bench machine whole rows (no chunking) measured fastest (cw 4/8/12/24: 4.1/3.1/2.6/2.3 s
 * CPU for 512x512x21x10), so the default is the whole padded row; bench/crf.ts can vary it.
 */
const DEFAULT_CHUNK_LANES = 1024;
let chunkLanes = DEFAULT_CHUNK_LANES;
/** Classes per chunk (a multiple of 4; undefined: the default, whole rows). For tests and bench. */
export function setCrfChunkLanes(lanes?: number): void {
  chunkLanes = lanes ?? DEFAULT_CHUNK_LANES;
}
function chunkWidth(cp: number): number {
  for (let w = Math.min(chunkLanes, cp); w > 4; w -= 4) if (cp % w === 0) return w;
  return 4;
}

/**
 * Planar (C, N) float32 scores whose unaries the module computes itself (crfUnary: the same
 * formulas as crfProblem, without the pixel-major f64 copy).
 */
export interface CrfScores {
  kind: 'probs' | 'logits';
  /** The scores, or the byte offset where they already are in the module memory. */
  scores: Float32Array | { at: number; length: number };
}

/**
 * The mean field in the given instance (`lay` allocates above its current top; the caller
 * releases), iterating with `iter` (the module's kernels or a threaded session's). Every output
 * row of every phase is computed by one call in the same order whatever the split, so Q does not
 * depend on the thread count (bit for bit). When `iter` is `wasm` itself (one thread), a lattice
 * with close neighbours (the positional one) splats and blurs in one wavefront (planWave): the
 * same values.
 */
export function crfMeanField(
  wasm: CrfExports,
  lay: WasmInstance,
  iter: CrfIterKernels,
  unary: Float64Array | CrfScores,
  classes: number,
  kernels: readonly KernelFeatures[],
  iterations: number,
  options: CrfRunOptions,
): { q: Float32Array; stride: number } {
  if (kernels.length > 2) throw new RangeError('the WASM CRF takes at most two kernels');
  const tick = phaseClock(options.timings, options.clock);
  const n = (unary instanceof Float64Array ? unary.length : unary.scores.length) / classes;
  const cp = (classes + 3) & ~3;
  const scratch = lay.alloc(1024);
  const cw = chunkWidth(cp);
  const ks = kernels.map((k) => prepareKernel(wasm, lay, k, n, scratch, tick));
  for (const k of ks) {
    // (A build without the wavefront has a 6-parameter crfBlurDir: bench/crf-ab.ts compares them.)
    if (iter === wasm && cw === cp && wasm.crfBlurDir.length >= 9) planWave(lay, k, cp * 4);
    k.chunk = (k.m + 1) * cw * 4;
    k.a = k.out = lay.alloc((cp / cw) * k.chunk);
    k.b = lay.alloc((cp / cw) * k.chunk);
    for (let at = 0; at < cp / cw; at++) {
      new Float32Array(lay.memory.buffer, k.a + at * k.chunk, cw).fill(0);
      new Float32Array(lay.memory.buffer, k.b + at * k.chunk, cw).fill(0);
    }
  }
  const pUnary = lay.alloc(n * cp * 4);
  const pQ = lay.alloc(n * cp * 4);
  if (unary instanceof Float64Array) {
    const u = new Float32Array(lay.memory.buffer, pUnary, n * cp);
    if (cp === classes) u.set(unary);
    else {
      for (let i = 0, o = 0, s = 0; i < n; i++, o += cp, s += classes) {
        for (let l = 0; l < classes; l++) u[o + l] = unary[s + l] as number;
        for (let l = classes; l < cp; l++) u[o + l] = 0;
      }
    }
    tick('upload');
  } else {
    const mark = lay.mark();
    const given = unary.scores;
    let pScores: number;
    if (given instanceof Float32Array) {
      pScores = lay.alloc(n * classes * 4);
      new Float32Array(lay.memory.buffer, pScores, n * classes).set(given);
    } else pScores = given.at;
    tick('upload');
    wasm.crfUnary(n, classes, cp, pScores, unary.kind === 'logits' ? 1 : 0, pUnary);
    lay.release(mark);
    tick('unary');
  }
  const [ka, kb] = ks;
  const update = (k1: PreparedKernel | undefined, k2: PreparedKernel | undefined) =>
    iter.crfSliceSoftmax(
      0,
      n,
      classes,
      cp,
      cw,
      k1?.chunk ?? 0,
      k2?.chunk ?? 0,
      pUnary,
      pQ,
      k1?.d1 ?? 0,
      k1?.offsets ?? 0,
      k1?.slice ?? 0,
      k1?.out ?? 0,
      k2?.d1 ?? 0,
      k2?.offsets ?? 0,
      k2?.slice ?? 0,
      k2?.out ?? 0,
    );
  update(undefined, undefined);
  tick('initial softmax');
  for (let it = 0; it < iterations; it++) {
    for (const k of ks) {
      if (!k.waveSplat) {
        iter.crfSplat(1, k.m + 1, cp, cw, k.chunk, k.start, k.pix, k.splat, pQ, k.a);
        tick(`splat d=${k.d1 - 1}`);
      }
      k.out = blur(iter, k, cw, cp / cw, pQ);
      tick(`${k.waveSplat ? 'splat+' : ''}blur d=${k.d1 - 1}`);
    }
    update(ka, kb);
    tick('slice+softmax');
  }
  let q: Float32Array;
  if (options.into !== undefined) {
    q = new Float32Array(0);
    wasm.crfToPlanes(n, classes, cp, pQ, options.into);
  } else if (options.layout === 'planes') {
    const out = lay.alloc(classes * n * 4);
    wasm.crfToPlanes(n, classes, cp, pQ, out);
    q = new Float32Array(lay.memory.buffer, out, classes * n).slice();
  } else q = new Float32Array(lay.memory.buffer, pQ, n * cp).slice();
  tick('download');
  return { q, stride: options.layout === 'planes' || options.into !== undefined ? 0 : cp };
}

/**
 * Blur [1/2, 1, 1/2] along each of the d + 1 directions, ping-ponging a and b (rows 1..m, row 0
 * of both zero), one class chunk at a time; one crfBlurDir call (one parallel region) per
 * direction, since a direction reads every row the previous one wrote. Returns the result buffer.
 */
function blur(iter: CrfIterKernels, k: PreparedKernel, cw: number, chunks: number, q: number): number {
  // The wavefront (k.ring is only set when iter is the module's own exports): a → b in one call,
  // with the splat of q when k.waveSplat.
  if (k.ring) {
    const [start, pix, sw] = k.waveSplat ? [k.start, k.pix, k.splat] : [0, 0, 0];
    (iter as CrfExports).crfBlurDir(
      1,
      k.m + 1,
      cw * 4,
      k.neighbors,
      k.a,
      k.b,
      k.d1,
      k.lag,
      k.ring,
      start,
      pix,
      sw,
      q,
    );
    return k.b;
  }
  for (let ch = 0; ch < chunks; ch++) {
    let src = k.a + ch * k.chunk;
    let dst = k.b + ch * k.chunk;
    for (let j = 0; j < k.d1; j++) {
      iter.crfBlurDir(1, k.m + 1, cw * 4, k.neighbors + j * k.m * 8, src, dst);
      [src, dst] = [dst, src];
    }
  }
  return k.d1 & 1 ? k.b : k.a;
}

/** Largest ring memory for the wavefront blur: beyond it the rings no longer stay in cache. */
const WAVE_MAX_BYTES = 2 ** 21;
/** Rows per wavefront step: WAVE_BLOCK in assembly/crf.ts. */
const WAVE_BLOCK = 256;

/**
 * Bytes of the rings crfBlurWave needs: `rings` rings (d1 − 1 blur directions, plus one for a
 * splat in the wavefront) of the smallest 2^k > 2 · lag + WAVE_BLOCK rows of `rowBytes`, and one
 * zero row after them (the caller zeroes it), as crfBlurWave lays them out.
 */
export function waveRingBytes(lag: number, rings: number, rowBytes: number): number {
  let size = 1;
  while (size <= 2 * lag + WAVE_BLOCK) size *= 2;
  return (rings * size + 1) * rowBytes;
}

/**
 * Sets up the wavefront blur (crfBlurWave, one thread) when every blur neighbour is close in id
 * (the positional lattice: a row or an image row away), so that the rings fit in WAVE_MAX_BYTES;
 * otherwise (k.ring = 0) the kernel keeps one pass per direction. With 24 lanes the splat joins
 * the wavefront (one ring more).
 */
function planWave(lay: WasmInstance, k: PreparedKernel, rowBytes: number): void {
  const waveSplat = rowBytes === 96;
  const bytes = waveRingBytes(k.lag, k.d1 - 1 + (waveSplat ? 1 : 0), rowBytes);
  if (k.d1 < 2 || bytes > WAVE_MAX_BYTES) return;
  k.ring = lay.alloc(bytes);
  k.waveSplat = waveSplat;
  new Uint8Array(lay.memory.buffer, k.ring + bytes - rowBytes, rowBytes).fill(0);
}
