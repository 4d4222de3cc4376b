/**
 * The worker of a threaded WASM session (built to dist/wasm-worker.js; Node worker_threads, Web
 * Workers in browsers and Deno). It instantiates build/atrous-mt.wasm over the session's shared
 * memory, then loops: wait for a new generation, claim and run every task nobody has claimed yet,
 * starting at this worker's share (on its own scratch slice where a call has per-thread scratch),
 * counting each one done (threads.ts has the protocol). After a call it polls for the next one
 * for a bounded time, then blocks in Atomics.wait: back-to-back calls skip an OS wake-up each, and
 * an idle session costs no CPU.
 * Self-contained on purpose (no imports): it must load from the one file in every host.
 */

interface Init {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  ctrl: number;
  slot: number;
  index: number;
  workers: number;
  tasks: number;
  claims: number;
  kernels: readonly string[];
}

const GEN = 0;
const DONE = 1;
const QUIT = 2;
const FAILED = 3;
const TASKS = 4;
const ASLEEP = 5;
/**
 * Milliseconds of polling for the next call before blocking: a wake-up through the OS costs
 * 10–100 µs, more than the gap between most calls of a model (a few unsplit kernels).
 */
const SPIN_MS = 0.3;

type Post = (message: unknown) => void;

async function start(init: Init, post: Post): Promise<void> {
  let fns: ((...a: number[]) => void)[];
  try {
    const instance = await WebAssembly.instantiate(init.module, { env: { memory: init.memory } });
    fns = init.kernels.map((name) => {
      const f = instance.exports[name];
      if (typeof f !== 'function') throw new Error(`atrous-mt.wasm has no export '${name}'`);
      return f as (...a: number[]) => void;
    });
  } catch (e) {
    post({ error: String(e) });
    return;
  }
  const i32 = new Int32Array(init.memory.buffer, init.ctrl, 16);
  const f64 = new Float64Array(init.memory.buffer, init.ctrl + 64, init.tasks * init.slot);
  const claims = new Int32Array(init.memory.buffer, init.claims, init.tasks);
  let gen = Atomics.load(i32, GEN);
  post({ ready: true });
  // Let the ready message go out before this thread blocks for good.
  await new Promise((r) => setTimeout(r, 0));
  const thread = init.index + 1;
  for (;;) {
    const until = performance.now() + SPIN_MS;
    for (let s = 1; Atomics.load(i32, GEN) === gen; s++) {
      if ((s & 255) === 0 && performance.now() > until) break;
    }
    if (Atomics.load(i32, GEN) === gen) {
      // Counted while blocked: splitting a call then costs a wake-up, which calls that gain little
      // from a second thread (split.ts: WAKE_FACTOR) do not pay.
      Atomics.add(i32, ASLEEP, 1);
      while (Atomics.load(i32, GEN) === gen) Atomics.wait(i32, GEN, gen);
      Atomics.sub(i32, ASLEEP, 1);
    }
    gen = Atomics.load(i32, GEN);
    if (Atomics.load(i32, QUIT) !== 0) return;
    // Every task not yet claimed (the caller, and other workers, may have run some), from this
    // worker's share of the list on: the caller starts at the first task.
    const n = Atomics.load(i32, TASKS);
    const first = Math.floor((n * (init.index + 1)) / (init.workers + 1));
    for (let k = 0; k < n; k++) {
      const task = (first + k) % n;
      if (Atomics.compareExchange(claims, task, 0, 1) !== 0) continue;
      try {
        let at = task * init.slot;
        const calls = f64[at++] as number;
        for (let c = 0; c < calls; c++) {
          const fn = fns[f64[at++] as number] as (...a: number[]) => void;
          const nargs = f64[at++] as number;
          const scratchArg = f64[at++] as number;
          const scratchStride = f64[at++] as number;
          const args = Array.from(f64.subarray(at, at + nargs));
          at += nargs;
          // Per-thread scratch (split.ts: Call.scratch): this worker's own slice.
          if (scratchArg >= 0) args[scratchArg] = (args[scratchArg] as number) + thread * scratchStride;
          fn(...args);
        }
      } catch (e) {
        Atomics.store(i32, FAILED, 1);
        post({ error: String(e) });
      }
      Atomics.add(i32, DONE, 1);
      Atomics.notify(i32, DONE);
    }
  }
}

const scope = globalThis as unknown as {
  WorkerGlobalScope?: unknown;
  postMessage?: Post;
  onmessage?: ((e: MessageEvent<Init>) => void) | null;
};

if (typeof scope.WorkerGlobalScope !== 'undefined' && typeof scope.postMessage === 'function') {
  const post = scope.postMessage.bind(globalThis) as Post;
  scope.onmessage = (e) => {
    scope.onmessage = null;
    void start(e.data, post);
  };
} else {
  const { parentPort } = await import('node:worker_threads');
  if (parentPort) {
    const port = parentPort;
    port.once('message', (init: Init) => {
      void start(init, (m) => port.postMessage(m));
    });
  }
}
