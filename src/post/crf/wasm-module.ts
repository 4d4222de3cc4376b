import { instantiate, threadCount } from '../../engine/backends/wasm/instance.js';
import { type Kernels, kernelsOf } from '../../engine/backends/wasm/kernels.js';
import { instantiateAtrousWasm, type WasmInstance } from '../../engine/backends/wasm/module.js';
import type { Call } from '../../engine/backends/wasm/split.js';
import { maxTasks, type Pool, parallelKernels } from '../../engine/backends/wasm/threads.js';
import { BackendUnavailableError } from '../../errors.js';

/** The CRF exports of build/atrous.wasm (assembly/crf.ts). */
export interface CrfExports {
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
  crfTableMask(): number;
  crfBuildLatticeTask(
    n: number,
    d: number,
    features: number,
    offsets: number,
    weights: number,
    table: number,
    mask: number,
    keys: number,
    scratch: number,
    out: number,
  ): void;
  crfLatticeKeys(
    p0: number,
    p1: number,
    d: number,
    features: number,
    weights: number,
    vkeys: number,
    scratch: number,
  ): void;
  crfInsertKeys(
    n: number,
    d: number,
    vkeys: number,
    offsets: number,
    table: number,
    mask: number,
    keys: number,
    scratch: number,
    out: number,
  ): void;
  crfBuildNeighborsRange(
    i0: number,
    i1: number,
    m: number,
    d: number,
    table: number,
    info: number,
    keys: number,
    neighbors: number,
    scratch: number,
    lagOut: number,
  ): void;
  crfUnary(n: number, c: number, cp: number, scores: number, logits: number, unary: number): void;
  /** Absent in builds before it (bench/crf-ab.ts loads older ones): then the caller checks in JS. */
  crfScoresClear?(n: number, c: number, scores: number, logits: number, tol: number, margin: number): number;
  crfBuildNeighbors(
    m: number,
    d: number,
    table: number,
    mask: number,
    keys: number,
    neighbors: number,
    scratch: number,
  ): number;
  crfBuildSplat(
    n: number,
    d1: number,
    m: number,
    offsets: number,
    weights: number,
    start: number,
    cursor: number,
    pix: number,
    bw: number,
  ): void;
  crfLatticeNorm(
    n: number,
    d1: number,
    m: number,
    offsets: number,
    weights: number,
    start: number,
    bw: number,
    neighbors: number,
    alpha: number,
    a: number,
    b: number,
    norm: number,
  ): void;
  crfScaleWeights(
    n: number,
    d1: number,
    norm: number,
    pix: number,
    bw: number,
    weights: number,
    scale: number,
    sl: number,
  ): void;
  crfSplat(
    p0: number,
    p1: number,
    cp: number,
    cw: number,
    chunk: number,
    start: number,
    pix: number,
    sw: number,
    q: number,
    a: number,
  ): void;
  /** One direction; with `dirs` > 1 (one thread, whole lattice) all of them as a wavefront. */
  crfBlurDir(
    i0: number,
    i1: number,
    rowBytes: number,
    nb: number,
    src: number,
    dst: number,
    dirs?: number,
    lag?: number,
    ring?: number,
    start?: number,
    pix?: number,
    sw?: number,
    q?: number,
  ): void;
  crfToPlanes(n: number, c: number, cp: number, q: number, out: number): void;
  crfSliceSoftmax(
    i0: number,
    i1: number,
    c: number,
    cp: number,
    cw: number,
    chunkA: number,
    chunkB: number,
    unary: number,
    q: number,
    d1a: number,
    offA: number,
    wA: number,
    valsA: number,
    d1b: number,
    offB: number,
    wB: number,
    valsB: number,
  ): void;
}

/** The per-iteration kernels: the module's own, or a threaded session's (split into ranges). */
export type CrfIterKernels = Pick<CrfExports, 'crfSplat' | 'crfBlurDir' | 'crfSliceSoftmax'>;

/**
 * Runs independent tasks, each a list of calls of the module's exports whose only result is what
 * they write to memory: on a pool's threads (whoever claims a task runs it whole) or in order on
 * this thread. Tasks write disjoint memory, so both give the same bytes.
 */
export type CrfTaskRunner = (tasks: Call[][]) => void;

/** The runner without threads: every call on this thread, in task order. */
export function inOrder(wasm: CrfExports): CrfTaskRunner {
  const fns = wasm as unknown as Record<string, (...a: number[]) => void>;
  return (tasks) => {
    for (const calls of tasks) for (const c of calls) (fns[c.name] as (...a: number[]) => void)(...c.args);
  };
}

/**
 * A pool's runner: tasks in one parallel region (one alone runs here, with no barrier). `base`:
 * the instance's own kernels (the calling thread runs its tasks with them).
 */
export function onPool(pool: Pool, base: Kernels, wasm: CrfExports): CrfTaskRunner {
  const here = inOrder(wasm);
  return (tasks) =>
    tasks.length > 1 && tasks.length <= maxTasks(pool.threads) ? pool.run(tasks, base) : here(tasks);
}

/**
 * An instance to run the CRF in: its exports, its allocator, the iteration kernels, the runner
 * of independent build tasks and its thread count.
 */
export interface CrfRuntime {
  wasm: CrfExports;
  mem: WasmInstance;
  iter: CrfIterKernels;
  run: CrfTaskRunner;
  threads: number;
}

let instance: Promise<CrfRuntime> | undefined;

/** The CRF exports of an instance (BackendUnavailableError when the build has none). */
export function crfExports(mem: WasmInstance): CrfExports {
  if (typeof mem.exports.crfBlurDir !== 'function' || typeof mem.exports.crfInsertKeys !== 'function') {
    throw new BackendUnavailableError(
      'wasm',
      'atrous.wasm has no (or older) CRF kernels; rebuild it (npm run build:wasm)',
    );
  }
  return mem.exports as unknown as CrfExports;
}

/** One instance of build/atrous.wasm for the CRF (the shared loader finds or is given the bytes). */
async function load(): Promise<CrfRuntime> {
  const mem = await instantiateAtrousWasm();
  const wasm = crfExports(mem);
  return { wasm, mem, iter: wasm, run: inOrder(wasm), threads: 1 };
}

/**
 * Smallest CRF kernel call split across threads (rows x floats per row), as the WASM backend's
 * default: smaller calls (tiny images) run whole on the calling thread.
 */
const MIN_PARALLEL_WORK = 1 << 18;
const threaded = new Map<number, Promise<CrfRuntime>>();

/**
 * A threaded runtime for the standalone denseCrf: build/atrous-mt.wasm over shared memory with
 * `threads` − 1 workers, kept for later calls (the workers are unref'd: they do not keep a process
 * alive). One thread where shared memory or workers are missing (instance.ts warns once).
 */
export async function crfWasmThreads(threads: number): Promise<CrfRuntime> {
  const n = threadCount(threads);
  if (n === 1) return crfWasm();
  let rt = threaded.get(n);
  if (!rt) {
    rt = instantiate({}, n).then(({ inst, pool }) => {
      const wasm = crfExports(inst);
      if (!pool) return { wasm, mem: inst, iter: wasm, run: inOrder(wasm), threads: 1 };
      const base = kernelsOf(inst);
      const iter = parallelKernels(base, pool, MIN_PARALLEL_WORK);
      return { wasm, mem: inst, iter, run: onPool(pool, base, wasm), threads: n };
    });
    threaded.set(n, rt);
    rt.catch(() => threaded.delete(n));
  }
  return rt;
}

export function crfWasm(): Promise<CrfRuntime> {
  instance ??= load();
  instance.catch(() => {
    instance = undefined;
  });
  return instance;
}
