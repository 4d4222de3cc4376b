import { instantiateAtrousWasm, type WasmInstance } from '../../engine/backends/wasm/module.js';
import { BackendUnavailableError } from '../../errors.js';
import type { KernelFeatures } from './inputs.js';
import type { Lattice } from './lattice.js';

/** The CRF exports of build/atrous.wasm (assembly/crf.ts). */
interface CrfExports {
  memory: WebAssembly.Memory;
  crfBuildLattice(
    n: number,
    d: number,
    features: number,
    offsets: number,
    weights: number,
    table: number,
    mask: number,
    keys: number,
    scratch: number,
  ): number;
  crfBuildNeighbors(
    m: number,
    d: number,
    table: number,
    mask: number,
    keys: number,
    neighbors: number,
    scratch: number,
  ): void;
  crfSoftmax(n: number, c: number, cp: number, unary: number, msg: number, q: number): void;
  crfFilter(
    n: number,
    d1: number,
    m: number,
    cp: number,
    offsets: number,
    weights: number,
    neighbors: number,
    norm: number,
    weight: number,
    alpha: number,
    q: number,
    msg: number,
    a: number,
    b: number,
  ): void;
}

let instance: Promise<{ wasm: CrfExports; mem: WasmInstance }> | undefined;

/** One instance of build/atrous.wasm for the CRF (the shared loader finds or is given the bytes). */
async function load(): Promise<{ wasm: CrfExports; mem: WasmInstance }> {
  const mem = await instantiateAtrousWasm();
  if (typeof mem.exports.crfFilter !== 'function') {
    throw new BackendUnavailableError(
      'wasm',
      'atrous.wasm has no CRF kernels; rebuild it (npm run build:wasm)',
    );
  }
  return { wasm: mem.exports as unknown as CrfExports, mem };
}

function crfWasm(): Promise<{ wasm: CrfExports; mem: WasmInstance }> {
  instance ??= load();
  instance.catch(() => {
    instance = undefined;
  });
  return instance;
}

/** A lattice living in WASM memory: byte offsets of its arrays. */
interface WasmLattice {
  n: number;
  d1: number;
  m: number;
  offsets: number;
  weights: number;
  neighbors: number;
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
): WasmLattice {
  const d = k.dims;
  const d1 = d + 1;
  const offsets = lay.alloc(n * d1 * 4);
  const weights = lay.alloc(n * d1 * 4);
  const norm = lay.alloc(n * 4);
  const mark = lay.mark();
  const features = lay.alloc(n * d * 8);
  let slots = 1024;
  while (slots < 2 * n * d1) slots *= 2;
  const table = lay.alloc(slots * 4);
  const keys = lay.alloc(n * d1 * d * 4);
  new Float64Array(wasm.memory.buffer, features, n * d).set(k.features);
  new Int32Array(wasm.memory.buffer, table, slots).fill(0);
  const m = wasm.crfBuildLattice(n, d, features, offsets, weights, table, slots - 1, keys, scratch);
  const bytes = d1 * m * 2 * 4;
  const tmp = lay.alloc(bytes);
  wasm.crfBuildNeighbors(m, d, table, slots - 1, keys, tmp, scratch);
  new Uint8Array(wasm.memory.buffer).copyWithin(mark, tmp, tmp + bytes);
  lay.release(mark);
  const neighbors = lay.alloc(bytes);
  return { n, d1, m, offsets, weights, neighbors, norm, weight: k.weight, alpha: 1 / (1 + 2 ** -d) };
}

/** The lattice of `features` built in WASM, copied out (for tests against buildLattice). */
export async function buildLatticeWasm(features: Float64Array, n: number, d: number): Promise<Lattice> {
  const { wasm, mem: lay } = await crfWasm();
  const start = lay.mark();
  try {
    const scratch = lay.alloc(1024);
    const l = buildInWasm(wasm, lay, { dims: d, weight: 1, features }, n, scratch);
    const buf = wasm.memory.buffer;
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

/**
 * The whole lattice mean field in WASM SIMD: builds each kernel's lattice, its normalization
 * n_k = 1 / sqrt(K_k 1) (ones filtered through the lattice), uploads ψ_u (classes padded to a
 * multiple of 4), iterates crfFilter (each kernel) + crfSoftmax, and returns Q pixel-major with
 * `stride` floats per pixel. The module memory grows to fit and is reused by later calls.
 */
export async function latticeMeanFieldWasm(
  unary: Float64Array,
  classes: number,
  kernels: readonly KernelFeatures[],
  iterations: number,
): Promise<{ q: Float32Array; stride: number }> {
  const { wasm, mem: lay } = await crfWasm();
  const start = lay.mark();
  try {
    return meanField(wasm, lay, unary, classes, kernels, iterations);
  } finally {
    lay.release(start);
  }
}

function meanField(
  wasm: CrfExports,
  lay: WasmInstance,
  unary: Float64Array,
  classes: number,
  kernels: readonly KernelFeatures[],
  iterations: number,
): { q: Float32Array; stride: number } {
  const n = unary.length / classes;
  const cp = (classes + 3) & ~3;
  const scratch = lay.alloc(1024);
  const pUnary = lay.alloc(n * cp * 4);
  const pQ = lay.alloc(n * cp * 4);
  const pMsg = lay.alloc(n * cp * 4);
  const lats = kernels.map((k) => buildInWasm(wasm, lay, k, n, scratch));
  const maxM = Math.max(0, ...lats.map((l) => l.m));
  const pA = lay.alloc((maxM + 1) * cp * 4);
  const pB = lay.alloc((maxM + 1) * cp * 4);
  // Normalization: filter ones (lane 0 of 4) with unit norm and weight; msg lane 0 = alpha · K 1.
  for (const l of lats) {
    const buf = wasm.memory.buffer;
    new Float32Array(buf, l.norm, n).fill(1);
    const ones = new Float32Array(buf, pQ, n * 4).fill(0);
    for (let i = 0; i < n; i++) ones[i * 4] = 1;
    const sums = new Float32Array(buf, pMsg, n * 4).fill(0);
    wasm.crfFilter(n, l.d1, l.m, 4, l.offsets, l.weights, l.neighbors, l.norm, 1, l.alpha, pQ, pMsg, pA, pB);
    const norm = new Float32Array(buf, l.norm, n);
    for (let i = 0; i < n; i++) norm[i] = 1 / Math.sqrt((sums[i * 4] as number) + 1e-20);
  }
  const buf = wasm.memory.buffer;
  const u = new Float32Array(buf, pUnary, n * cp);
  for (let i = 0; i < n; i++) {
    for (let l = 0; l < cp; l++) u[i * cp + l] = l < classes ? (unary[i * classes + l] as number) : 0;
  }
  new Float32Array(buf, pMsg, n * cp).fill(0);
  wasm.crfSoftmax(n, classes, cp, pUnary, pMsg, pQ);
  for (let it = 0; it < iterations; it++) {
    for (const l of lats) {
      wasm.crfFilter(
        n,
        l.d1,
        l.m,
        cp,
        l.offsets,
        l.weights,
        l.neighbors,
        l.norm,
        l.weight,
        l.alpha,
        pQ,
        pMsg,
        pA,
        pB,
      );
    }
    wasm.crfSoftmax(n, classes, cp, pUnary, pMsg, pQ);
  }
  return { q: new Float32Array(wasm.memory.buffer, pQ, n * cp).slice(), stride: cp };
}
