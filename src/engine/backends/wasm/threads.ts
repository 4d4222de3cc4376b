/**
 * Threads for the WASM backend: T-1 workers, each with its own instance of build/atrous-mt.wasm
 * over the session's one shared memory, run slices of every kernel call the calling thread makes
 * (split.ts). A call is one parallel region: the caller writes every task's call list (a task is
 * a slice of the call; a call may have more tasks than threads) into a control block in the shared
 * memory, bumps a generation counter (Atomics.notify), then claims and runs tasks until none is
 * left, and waits until every task a worker claimed is done — one barrier per call. Each task has
 * a claim word (compare-exchange): whoever claims it first runs it, so a worker that is asleep or
 * descheduled (a busy machine) costs nothing — its tasks run on the caller — and with more tasks
 * than threads a worker that wakes late still takes its share of what is left. Workers spin a
 * bounded time after each call before blocking (worker.ts), so back-to-back calls do not each pay
 * an OS wake-up; a blocked worker counts itself in a control word, so the caller knows when a split
 * would first have to wake it (split.ts: WAKE_FACTOR).
 */
import { AtrousError, BackendUnavailableError } from '../../../errors.js';
import { KERNEL_NAMES, type Kernels } from './kernels.js';
import { argsOn, type Call, TASKS_PER_THREAD } from './split.js';
import { FINE_GRAINED, SPLITTERS } from './splitters.js';

/**
 * Control words (Int32 indices): generation, tasks done by workers, quit, a worker failed, tasks,
 * workers blocked in Atomics.wait.
 */
const GEN = 0;
const DONE = 1;
const QUIT = 2;
const FAILED = 3;
const TASKS = 4;
const ASLEEP = 5;
const PROBE = 15;
const CTRL_HEADER = 64;
/** Float64 words of call list per task (count, then id, nargs, scratch arg, scratch stride, args... per call). */
const SLOT = 512;
/** Polls of the done counter before the calling thread blocks. */
const SPIN = 4000;

/** Most tasks one call may split into: a few per thread. */
export function maxTasks(threads: number): number {
  return threads > 1 ? TASKS_PER_THREAD * threads : 0;
}

/** Bytes of the control block a pool of `threads` needs: header, call lists, claim words. */
export function controlBytes(threads: number): number {
  return claimsOffset(threads) + maxTasks(threads) * 4;
}

/** Offset in the control block of the claim words (one Int32 per task). */
function claimsOffset(threads: number): number {
  return CTRL_HEADER + maxTasks(threads) * SLOT * 8;
}

/** Every kernel a worker may be asked to run, by index (the call lists carry the index). */
export const WORKER_KERNELS = KERNEL_NAMES;

/** What the worker script gets in its first message. */
export interface WorkerInit {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  ctrl: number;
  slot: number;
  index: number;
  /** Workers in the pool (threads - 1), task slots, and the byte offset of the tasks' claim words. */
  workers: number;
  tasks: number;
  claims: number;
  kernels: readonly string[];
}

interface AnyWorker {
  postMessage(message: unknown): void;
  terminate(): unknown;
}

let liveCount = 0;
const regions = new Map<string, number>();
/** Workers started and not yet terminated (all sessions): tests check release() ends them. */
export function liveWorkers(): number {
  return liveCount;
}
/** Kernel calls that ran split across threads so far, by kernel (all sessions): tests check they happen. */
export function parallelRegions(): ReadonlyMap<string, number> {
  return regions;
}

const isNode = () => {
  const g = globalThis as { process?: { versions?: { node?: string } }; Worker?: unknown };
  return typeof g.Worker !== 'function' && typeof g.process?.versions?.node === 'string';
};

/** Why threads cannot run here (undefined when they can). */
export function threadsUnavailable(): string | undefined {
  const g = globalThis as { crossOriginIsolated?: boolean; Worker?: unknown };
  if (typeof SharedArrayBuffer === 'undefined') {
    return 'SharedArrayBuffer is not available (a page needs cross-origin isolation: COOP/COEP headers)';
  }
  if (g.crossOriginIsolated === false) return 'the page is not cross-origin isolated (COOP/COEP headers)';
  if (typeof g.Worker !== 'function' && !isNode()) return 'this host has no Worker';
  return undefined;
}

/** The worker script: dist/wasm-worker.js next to the bundle, or found from the package root. */
async function workerScript(given?: string | URL): Promise<string | URL> {
  if (given) return given;
  const here = new URL('./wasm-worker.js', import.meta.url);
  if (!isNode() || here.protocol !== 'file:') return here;
  const { existsSync } = await import('node:fs');
  const { dirname, join } = await import('node:path');
  const { fileURLToPath, pathToFileURL } = await import('node:url');
  if (existsSync(fileURLToPath(here))) return here;
  // Running from the sources (tests): the built script in the package's dist/.
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const path = join(dir, 'dist', 'wasm-worker.js');
    if (existsSync(path)) return pathToFileURL(path);
    const parent = dirname(dir);
    if (parent === dir) {
      throw new BackendUnavailableError('wasm', "dist/wasm-worker.js not found (run 'npm run build')");
    }
    dir = parent;
  }
}

/** Starts one worker and resolves once its instance is ready. */
async function startWorker(script: string | URL, init: WorkerInit): Promise<AnyWorker> {
  if (isNode()) {
    const { Worker } = await import('node:worker_threads');
    const w = new Worker(script);
    liveCount++;
    w.unref(); // a session that is never released must not keep the process alive
    await new Promise<void>((resolve, reject) => {
      w.once('message', (m: { error?: string }) => (m.error ? reject(new Error(m.error)) : resolve()));
      w.once('error', reject);
      w.postMessage(init);
    }).catch((e: unknown) => {
      liveCount--;
      void w.terminate();
      throw e;
    });
    return w;
  }
  const WebWorker = (globalThis as unknown as { Worker: new (u: string | URL, o: object) => Worker }).Worker;
  const w = new WebWorker(script, { type: 'module' });
  liveCount++;
  await new Promise<void>((resolve, reject) => {
    w.onmessage = (e: MessageEvent<{ error?: string }>) =>
      e.data.error ? reject(new Error(e.data.error)) : resolve();
    w.onerror = (e) => reject(new Error(e.message));
    w.postMessage(init);
  }).catch((e: unknown) => {
    liveCount--;
    w.terminate();
    throw e;
  });
  return w;
}

/** A started pool: run() executes per-thread call lists with a barrier; terminate() ends it. */
export interface Pool {
  readonly threads: number;
  /** Runs every task (a call list) once, on whichever thread claims it first. */
  run(tasks: Call[][], base: Kernels): void;
  /** Whether every worker is blocked (a call would pay an OS wake-up before any help). */
  asleep?(): boolean;
  terminate(): void;
}

export async function createPool(
  module: WebAssembly.Module,
  memory: WebAssembly.Memory,
  ctrl: number,
  threads: number,
  script?: string | URL,
): Promise<Pool> {
  const url = await workerScript(script);
  const i32 = new Int32Array(memory.buffer, ctrl, CTRL_HEADER / 4);
  const slots = maxTasks(threads);
  const f64 = new Float64Array(memory.buffer, ctrl + CTRL_HEADER, slots * SLOT);
  const claims = new Int32Array(memory.buffer, ctrl + claimsOffset(threads), slots);
  // Every slot starts claimed: a call opens only the claims of its own tasks.
  claims.fill(1);
  const ids = new Map(WORKER_KERNELS.map((n, i) => [n, i]));
  const settled = await Promise.allSettled(
    Array.from({ length: threads - 1 }, (_, i) =>
      startWorker(url, {
        module,
        memory,
        ctrl,
        slot: SLOT,
        index: i,
        workers: threads - 1,
        tasks: slots,
        claims: ctrl + claimsOffset(threads),
        kernels: WORKER_KERNELS,
      }),
    ),
  );
  const workers = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  const stop = () => {
    Atomics.store(i32, QUIT, 1);
    Atomics.add(i32, GEN, 1);
    Atomics.notify(i32, GEN);
    for (const w of workers.splice(0)) {
      void w.terminate();
      liveCount--;
    }
  };
  if (failed) {
    stop();
    throw new BackendUnavailableError('wasm', `a worker failed to start: ${String(failed.reason)}`);
  }
  // The main thread of a page may not block (Atomics.wait throws there): it spins instead.
  let canBlock = true;
  try {
    Atomics.wait(i32, PROBE, 1, 0);
  } catch {
    canBlock = false;
  }
  return {
    threads,
    run(tasks, base) {
      const name = tasks[0]?.[0]?.name ?? '';
      regions.set(name, (regions.get(name) ?? 0) + 1);
      // The previous call is over (every task claimed and done): reset the count, write the
      // lists, then open the claims — in that order, so a worker late from the previous call can
      // only claim a task of this one, whose list is already written. Slots past this call's
      // tasks stay claimed from the last call that used them.
      const n = tasks.length;
      Atomics.store(i32, DONE, 0);
      for (let t = 0; t < n; t++) {
        const calls = tasks[t] as Call[];
        let at = t * SLOT;
        f64[at++] = calls.length;
        for (const c of calls) {
          f64[at++] = ids.get(c.name) as number;
          f64[at++] = c.args.length;
          f64[at++] = c.scratch ? c.scratch.arg : -1;
          f64[at++] = c.scratch ? c.scratch.stride : 0;
          for (const v of c.args) f64[at++] = v;
        }
      }
      Atomics.store(i32, TASKS, n);
      for (let t = 0; t < n; t++) Atomics.store(claims, t, 0);
      Atomics.add(i32, GEN, 1);
      Atomics.notify(i32, GEN);
      // In order from the first: the workers start further on (worker.ts), so each thread runs
      // a contiguous run of tasks unless one falls behind.
      let need = n;
      for (let t = 0; t < n; t++) {
        if (Atomics.compareExchange(claims, t, 0, 1) !== 0) continue;
        // The caller is thread 0: its scratch slice is the first (argsOn adds nothing).
        for (const c of tasks[t] as Call[]) (base[c.name] as (...a: number[]) => void)(...argsOn(c, 0));
        need--;
      }
      // Poll a while before blocking: workers usually finish within microseconds of this thread.
      for (let spin = 0; spin < SPIN && Atomics.load(i32, DONE) < need; spin++);
      for (let d = Atomics.load(i32, DONE); d < need; d = Atomics.load(i32, DONE)) {
        if (canBlock) Atomics.wait(i32, DONE, d, 1000);
      }
      if (Atomics.load(i32, FAILED) !== 0) {
        throw new AtrousError('INTERNAL', 'a WASM worker failed while running a kernel (see its error)');
      }
    },
    asleep: () => Atomics.load(i32, ASLEEP) >= threads - 1,
    terminate: stop,
  };
}

/** Whether there are slots for the tasks and every task fits its call list. */
function fits(tasks: Call[][], threads: number): boolean {
  return (
    tasks.length <= maxTasks(threads) &&
    tasks.every((calls) => calls.reduce((s, c) => s + 4 + c.args.length, 1) <= SLOT)
  );
}

/**
 * Kernels that split each call across the pool when the call has enough work (`minWork`, in
 * multiply-adds; split.ts weighs other kinds of work, and some kernels ask more while every worker
 * sleeps), in a few tasks per thread where the kernel's slices need no per-task scratch; small
 * calls run whole on the calling thread with no barrier.
 */
export function parallelKernels(base: Kernels, pool: Pool, minWork: number): Kernels {
  const out: Partial<Record<keyof Kernels, unknown>> = {};
  for (const name of Object.keys(base) as (keyof Kernels)[]) {
    const f = base[name] as (...a: number[]) => void;
    const split = SPLITTERS[name];
    const parts = FINE_GRAINED.has(name) ? pool.threads * TASKS_PER_THREAD : pool.threads;
    out[name] = split
      ? (...args: number[]) => {
          const tasks = split(args, parts, minWork, pool.asleep?.() ?? false);
          if (tasks && tasks.length > 1 && fits(tasks, pool.threads)) pool.run(tasks, base);
          else f(...args);
        }
      : f;
  }
  return out as Kernels;
}
