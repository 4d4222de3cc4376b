import type { WasmInstance } from '../../engine/backends/wasm/module.js';
import { type Call, TASKS_PER_THREAD } from '../../engine/backends/wasm/split.js';
import { type CrfKernel, PROB_SUM_TOLERANCE, writeKernelFeatures } from './inputs.js';
import type { Lattice } from './lattice.js';
import {
  type CrfExports,
  type CrfIterKernels,
  type CrfTaskRunner,
  crfWasm,
  crfWasmThreads,
  inOrder,
} from './wasm-module.js';

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
 * Per kernel, a block of task results and scratch: m, table mask and idBits at 0
 * (crfBuildLatticeTask), each neighbour range's lag at LAG_AT (at most MAX_RANGES ranges), then
 * at SCRATCH_AT crfBuildLattice's scratch (64 · (d + 2) bytes), later each range's own
 * ((d + 1) i32).
 */
const LAG_AT = 16;
const MAX_RANGES = 16;
const SCRATCH_AT = 128;
/**
 * The key index (assembly/crf_lattice.ts, "Dense key index"): the mode word (1 asks for the dense
 * table of a d = 2 lattice; the build leaves 2 if it used it, 0 for the hash; a build without it
 * leaves the 1) and the table's room in i32 slots.
 */
const DENSE_MODE = 12;
const DENSE_ROOM = 96;
const DENSE_ASK = 1;
const DENSE_USED = 2;

let denseKeys = true;
let lastKeyIndex: ('dense' | 'hash')[] = [];
/** Whether d = 2 lattices may use the dense key table (default true; tests and A/B). */
export function setCrfDenseKeys(on = true): void {
  denseKeys = on;
}
/** The key index each kernel of the last WASM lattice build used (tests). */
export function lastCrfKeyIndex(): readonly ('dense' | 'hash')[] {
  return lastKeyIndex;
}
function infoBytes(d: number): number {
  return SCRATCH_AT + Math.max(64 * (d + 2), MAX_RANGES * 4 * (d + 1));
}

/** Tasks per kernel: about `parts` in all, in proportion to `sizes`, 1 to MAX_RANGES each. */
function shares(sizes: number[], parts: number): number[] {
  const total = sizes.reduce((s, x) => s + x, 0);
  return sizes.map((x) => Math.max(1, Math.min(MAX_RANGES, Math.round((parts * x) / Math.max(1, total)))));
}

/** Largest first: a late worker then takes the smaller tasks, the caller starts the largest. */
function bySizeDown<T>(items: T[], size: (t: T) => number): T[] {
  return [...items].sort((a, b) => size(b) - size(a));
}

/** Neighbour ranges to split into: none on one thread, a few per thread (late threads catch up). */
function neighbourRanges(threads: number): number {
  return threads > 1 ? threads * TASKS_PER_THREAD : 1;
}

/** One kernel's scratch for the hashing (buildInWasm). */
interface HashWork {
  i: number;
  d: number;
  d1: number;
  slots: number;
  info: number;
  features: number;
  table: number;
  keys: number;
}

/**
 * Every kernel's hash table, ids (offsets) and barycentric weights; m, mask and idBits to each
 * `info`. One thread: crfBuildLattice per kernel. Threads: the simplices and their keys by point
 * ranges (independent), then each kernel's inserts in point order, one task per kernel (the
 * inserts of a kernel are serial: the ids are the insertion order), the same ids as one thread.
 */
function hashKernels(
  lay: WasmInstance,
  work: HashWork[],
  kept: { offsets: number; weights: number }[],
  n: number,
  run: CrfTaskRunner,
  parts: number,
  tick: (phase: string) => void,
): void {
  if (parts > 1) {
    // (vkeys: every pixel vertex's key, n · d1 · d i32, as scratch: 31 MB for 512x512 at d = 5.)
    const counts = shares(
      work.map((w) => w.d1 * w.d),
      parts,
    );
    const ranges = work.flatMap((w, i) => {
      const count = counts[i] as number;
      const vkeys = lay.alloc(n * w.d1 * w.d * 4);
      const scratch = lay.alloc(count * 64 * (w.d + 2));
      return Array.from({ length: count }, (_, r) => ({
        w,
        vkeys,
        p0: Math.floor((n * r) / count),
        p1: Math.floor((n * (r + 1)) / count),
        scratch: scratch + r * 64 * (w.d + 2),
      }));
    });
    run(
      bySizeDown(ranges, (r) => (r.p1 - r.p0) * r.w.d1 * r.w.d).map((r) => {
        const { weights } = kept[r.w.i] as { weights: number };
        const args = [r.p0, r.p1, r.w.d, r.w.features, weights, r.vkeys, r.scratch];
        return [{ name: 'crfLatticeKeys', args }];
      }),
    );
    tick('build: lattice keys');
    run(
      bySizeDown(work, (w) => w.d1 * w.d).map((w) => {
        const { offsets } = kept[w.i] as { offsets: number };
        const vkeys = (ranges.find((r) => r.w === w) as { vkeys: number }).vkeys;
        const args = [n, w.d, vkeys, offsets, w.table, w.slots - 1, w.keys, w.info + SCRATCH_AT, w.info];
        return [{ name: 'crfInsertKeys', args }];
      }),
    );
  } else {
    run(
      work.map((w) => {
        const { offsets, weights } = kept[w.i] as { offsets: number; weights: number };
        const table = [w.table, w.slots - 1, w.keys, w.info + SCRATCH_AT, w.info];
        return [{ name: 'crfBuildLatticeTask', args: [n, w.d, w.features, offsets, weights, ...table] }];
      }),
    );
  }
}

/**
 * Builds every kernel's lattice in WASM (the same ids as the TS buildLattice), the kernels
 * concurrently where `run` has threads (each with its own table, keys and scratch): hashing
 * (hashKernels), then the blur neighbours by ranges of points (each entry is written once
 * whatever the split). The tables and keys are scratch: the neighbours are moved down over them.
 */
function buildInWasm(
  lay: WasmInstance,
  ks: readonly CrfKernel[],
  n: number,
  run: CrfTaskRunner,
  parts: number,
  tick: (phase: string) => void = () => {},
): WasmLattice[] {
  const kept = ks.map((k) => {
    const d1 = k.dims + 1;
    return { offsets: lay.alloc(n * d1 * 4), weights: lay.alloc(n * d1 * 4), norm: lay.alloc(n * 4) };
  });
  const mark = lay.mark();
  const work = ks.map((k, i): HashWork => {
    const d = k.dims;
    const d1 = d + 1;
    // Room for the worst case (every vertex distinct) at half load; it starts near 2n slots.
    let reserve = 1024;
    while (reserve < 2 * n * d1) reserve *= 2;
    let slots = 1024;
    while (slots < 2 * n && slots < reserve) slots *= 2;
    const w: HashWork = {
      i,
      d,
      d1,
      slots,
      info: lay.alloc(infoBytes(d)),
      features: lay.alloc(n * d * 8),
      table: lay.alloc(reserve * 4),
      keys: lay.alloc(n * d1 * d * 4),
    };
    writeKernelFeatures(k, new Float64Array(lay.memory.buffer, w.features, n * d));
    new Int32Array(lay.memory.buffer, w.table, slots).fill(0);
    const info = new Int32Array(lay.memory.buffer, w.info, infoBytes(d) / 4);
    info[DENSE_MODE / 4] = denseKeys && d === 2 ? DENSE_ASK : 0;
    info[DENSE_ROOM / 4] = reserve;
    return w;
  });
  tick('build: features+table');
  hashKernels(lay, work, kept, n, run, parts, tick);
  const mode = (w: HashWork) => new Int32Array(lay.memory.buffer, w.info + DENSE_MODE, 1)[0];
  lastKeyIndex = work.map((w) => (mode(w) === DENSE_USED ? 'dense' : 'hash'));
  tick('build: lattice');
  const built = work.map((w) => {
    const m = new Int32Array(lay.memory.buffer, w.info, 1)[0] as number;
    const bytes = w.d1 * m * 2 * 4;
    const tmp = lay.alloc(bytes);
    new Int32Array(lay.memory.buffer, tmp, w.d1 * m * 2).fill(0);
    return { ...w, m, bytes, tmp };
  });
  // Point ranges, about `parts` in all, in proportion to each kernel's lookups (m · d1).
  const counts = shares(
    built.map((b) => b.m * b.d1),
    parts,
  );
  const ranges = built.flatMap((b, i) => {
    const count = counts[i] as number;
    return Array.from({ length: count }, (_, r) => ({
      b,
      i0: Math.floor((b.m * r) / count),
      i1: Math.floor((b.m * (r + 1)) / count),
      lag: b.info + LAG_AT + r * 4,
      scratch: b.info + SCRATCH_AT + r * 4 * b.d1,
    }));
  });
  run(
    bySizeDown(ranges, (r) => (r.i1 - r.i0) * r.b.d1).map((r) => {
      const { b } = r;
      const args = [r.i0, r.i1, b.m, b.d, b.table, b.info, b.keys, b.tmp, r.scratch, r.lag];
      return [{ name: 'crfBuildNeighborsRange', args }];
    }),
  );
  const i32 = new Int32Array(lay.memory.buffer);
  const lags = built.map((b) =>
    Math.max(...ranges.filter((r) => r.b === b).map((r) => i32[r.lag >> 2] as number)),
  );
  // Moved down over the scratch, in kernel order, to where alloc puts them (16-aligned). Each
  // destination ends before the next kernel's neighbours start, so no copy overwrites a source.
  lay.release(mark);
  return built.map((b, i) => {
    const neighbors = lay.alloc(b.bytes);
    new Uint8Array(lay.memory.buffer).copyWithin(neighbors, b.tmp, b.tmp + b.bytes);
    const k = ks[i] as CrfKernel;
    const { offsets, weights, norm } = kept[i] as { offsets: number; weights: number; norm: number };
    if (i === built.length - 1) tick('build: neighbors');
    return {
      n,
      d1: b.d1,
      m: b.m,
      offsets,
      weights,
      neighbors,
      lag: lags[i] as number,
      norm,
      weight: k.weight,
      alpha: 1 / (1 + 2 ** -b.d),
    };
  });
}

/** The lattice of `features` built in WASM, copied out (for tests against buildLattice). */
export async function buildLatticeWasm(features: Float64Array, n: number, d: number): Promise<Lattice> {
  const { wasm, mem: lay } = await crfWasm();
  const start = lay.mark();
  try {
    const [l] = buildInWasm(lay, [{ dims: d, weight: 1, features }], n, inOrder(wasm), 1) as [WasmLattice];
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

/** A clock that adds the time since its last tick (or its creation) to `timings[phase]`. */
export function phaseClock(
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
   * With layout 'planes': copy Q into this array (C·N floats) instead of a fresh one, and return
   * it. A caller that runs the CRF again and again (video) then pays no page faults for a new
   * 22 MB array per call (50–110 ms of CPU per call measured on the 2-vCPU VM of NOTES.md).
   */
  output?: Float32Array;
  /**
   * Write Q as C planes of N (the 'planes' layout) to this byte offset of the module memory
   * instead of returning it (the DenseCRF node's output slot). The returned q is then empty.
   */
  into?: number;
  /**
   * Threads for the lattice build and the iterations (default 1): atrous-mt.wasm with workers
   * over shared memory. The result does not depend on it (bit for bit).
   */
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

/**
 * Every kernel ready to iterate (buildInWasm, then per kernel the splat CSR, n_k and the scaled
 * weights: one parallel region, a task per kernel, each on its own memory).
 */
function prepareKernels(
  lay: WasmInstance,
  ks: readonly CrfKernel[],
  n: number,
  run: CrfTaskRunner,
  parts: number,
  tick: (phase: string) => void,
): PreparedKernel[] {
  const ls = buildInWasm(lay, ks, n, run, parts, tick);
  const kept = ls.map((l) => ({
    start: lay.alloc((l.m + 2) * 4),
    pix: lay.alloc(n * l.d1 * 4),
    splat: lay.alloc(n * l.d1 * 4),
  }));
  const mark = lay.mark();
  const tasks = ls.map((l, i) => {
    const { start, pix, splat } = kept[i] as { start: number; pix: number; splat: number };
    const cursor = lay.alloc((l.m + 2) * 4);
    const na = lay.alloc((l.m + 1) * 4);
    const nb = lay.alloc((l.m + 1) * 4);
    new Float32Array(lay.memory.buffer, na, 1)[0] = 0;
    new Float32Array(lay.memory.buffer, nb, 1)[0] = 0;
    const { d1, m, offsets, weights, neighbors, alpha, norm } = l;
    // The slice weights overwrite the barycentric weights in place (last).
    const calls: Call[] = [
      { name: 'crfBuildSplat', args: [n, d1, m, offsets, weights, start, cursor, pix, splat] },
      {
        name: 'crfLatticeNorm',
        args: [n, d1, m, offsets, weights, start, splat, neighbors, alpha, na, nb, norm],
      },
      { name: 'crfScaleWeights', args: [n, d1, norm, pix, splat, weights, l.weight * alpha, weights] },
    ];
    return { size: m * d1, calls };
  });
  run(bySizeDown(tasks, (t) => t.size).map((t) => t.calls));
  tick('build: splat CSR+norm+weights');
  lay.release(mark);
  return ls.map((l, i) => {
    const { start, pix, splat } = kept[i] as { start: number; pix: number; splat: number };
    return {
      d1: l.d1,
      m: l.m,
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
  });
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

/**
 * Builds every kernel's lattice in WASM (as the WASM mean field does) and copies it out. With
 * `threads` > 1 (atrous-mt.wasm and its workers) the kernels build concurrently; the arrays are
 * the same whatever the thread count.
 */
export async function buildCrfLatticesWasm(
  kernels: readonly CrfKernel[],
  n: number,
  options: CrfRunOptions = {},
): Promise<HostLattice[]> {
  return withCrfLatticesWasm(kernels, n, options, (views) =>
    views.map((v) => ({
      d1: v.d1,
      m: v.m,
      offsets: v.offsets.slice(),
      slice: v.slice.slice(),
      start: v.start.slice(),
      pix: v.pix.slice(),
      splat: v.splat.slice(),
      neighbors: v.neighbors.slice(),
    })),
  );
}

/**
 * Builds every kernel's lattice in WASM and hands `use` the arrays as views into the module
 * memory (shared memory where `threads` > 1), valid only until `use` returns: the WebGPU CRF
 * uploads them from there, without a host copy of ~60 MB per 512x512 image.
 */
export async function withCrfLatticesWasm<T>(
  kernels: readonly CrfKernel[],
  n: number,
  options: CrfRunOptions,
  use: (lattices: HostLattice[]) => T,
): Promise<T> {
  const { mem: lay, run, threads } = await crfWasmThreads(options.threads ?? 1);
  const mark = lay.mark();
  const tick = phaseClock(options.timings, options.clock);
  try {
    const views = prepareKernels(lay, kernels, n, run, neighbourRanges(threads), tick).map((p) => {
      const buf = lay.memory.buffer;
      const e = n * p.d1;
      return {
        d1: p.d1,
        m: p.m,
        offsets: new Int32Array(buf, p.offsets, e),
        slice: new Float32Array(buf, p.slice, e),
        start: new Int32Array(buf, p.start, p.m + 2),
        pix: new Int32Array(buf, p.pix, e),
        splat: new Float32Array(buf, p.splat, e),
        neighbors: new Int32Array(buf, p.neighbors, p.d1 * p.m * 2),
      };
    });
    const result = use(views);
    // (The WebGPU CRF uploads the lattices here; the tests' buildCrfLatticesWasm copies them.)
    tick('lattice hand-off: copy or upload');
    return result;
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
  kernels: readonly CrfKernel[],
  iterations: number,
  options: CrfRunOptions = {},
): Promise<{ q: Float32Array; stride: number }> {
  const { wasm, mem: lay, iter, run, threads } = await crfWasmThreads(options.threads ?? 1);
  const start = lay.mark();
  try {
    return crfMeanField(wasm, lay, iter, unary, classes, kernels, iterations, options, run, threads);
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
  /**
   * Scores whose values are not checked yet: the module scans them (crfScoresClear) and calls
   * this, the exact check that throws the input error, only when the scan finds something to look
   * at (a bad value or a sum within float32 error of the tolerance).
   */
  verify?: () => void;
}

/** Float32 error room of a sum of `classes` probabilities near 1 (crfScoresClear's margin). */
function sumMargin(classes: number): number {
  return 1e-7 + classes * 2.4e-7;
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
  kernels: readonly CrfKernel[],
  iterations: number,
  options: CrfRunOptions,
  run: CrfTaskRunner = inOrder(wasm),
  threads = 1,
): { q: Float32Array; stride: number } {
  if (kernels.length > 2) throw new RangeError('the WASM CRF takes at most two kernels');
  const tick = phaseClock(options.timings, options.clock);
  const n = (unary instanceof Float64Array ? unary.length : unary.scores.length) / classes;
  const cp = (classes + 3) & ~3;
  const cw = chunkWidth(cp);
  const ks = prepareKernels(lay, kernels, n, run, neighbourRanges(threads), tick);
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
    if (unary.verify) {
      const clear = wasm.crfScoresClear?.(
        n,
        classes,
        pScores,
        unary.kind === 'logits' ? 1 : 0,
        PROB_SUM_TOLERANCE,
        sumMargin(classes),
      );
      if (!clear) unary.verify();
      tick('check');
    }
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
    const planes = new Float32Array(lay.memory.buffer, out, classes * n);
    if (options.output) options.output.set(planes);
    q = options.output ?? planes.slice();
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
