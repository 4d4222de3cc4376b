import { AtrousError, BackendUnavailableError, ShapeError } from '../../../errors.js';
import type { Graph } from '../../../graph/ir.js';
import { planMemory } from '../../../graph/plan.js';
import { inferShapes } from '../../../graph/shape-inference.js';
import type { Backend, PreparedModel } from '../../backend.js';
import type { ValueInfo } from '../../ops/types.js';
import { nowMs, type PrepareOptions, type RunProfile } from '../../profile.js';
import { Tensor } from '../../tensor.js';
import { WASM_COMPILERS } from './compilers.js';
import type { Ctx, Step } from './context.js';
import { findKsacGroups, groupAdjacent, ksacCompilers } from './fuse-ksac.js';
import { instantiate, threadCount } from './instance.js';
import { kernelsOf } from './kernels.js';
import { channelsLastReaders } from './layout.js';
import type { WasmInstance } from './module.js';
import { type Pool, parallelKernels } from './threads.js';
import { count, defaultPerm, identity, logicalStrides, relayout, sameOrder, type Val } from './values.js';
import { winogradThreadStride } from './winograd.js';

/**
 * Default smallest kernel call split across threads (multiply-adds or elements): about 20–50 µs
 * of work, well above the cost of one barrier (a notify and a wake-up).
 */
const MIN_PARALLEL_WORK = 1 << 18;

/** Bytes past every buffer: vector tails may read (never write) up to 16 bytes beyond. */
const SLACK = 64;

export interface WasmBackendOptions {
  /** The bytes of build/atrous.wasm (browsers: fetch it); Node reads the file by default. */
  wasmBytes?: Uint8Array;
  /** The bytes of build/atrous-mt.wasm (the shared-memory build `threads` > 1 uses). */
  wasmMtBytes?: Uint8Array;
  /** Threads per session (default 1; the Session option `threads` overrides it). */
  threads?: number;
  /** Time every node of every run (CPU wall time), read with lastProfile(). */
  profile?: boolean;
  /** Allow Winograd F(4×4, 3×3) where it is cheaper (default true; false: F(2×2) only, for A/B tests). */
  winograd4?: boolean;
  /** Fuse KSAC shared-weight multi-rate convs (fuse-ksac.ts; default true; false for A/B tests). */
  ksac?: boolean;
  /** URL of dist/wasm-worker.js when a bundler moved it (default: next to the bundle). */
  workerUrl?: string | URL;
  /**
   * Smallest kernel call (multiply-adds or elements) worth splitting across threads; smaller ones
   * run whole on the calling thread, skipping the barrier. Tests set 0 to split everything.
   */
  minParallelWork?: number;
}

/** The WASM SIMD backend (see README.md in this folder). */
export function createWasmBackend(options: WasmBackendOptions = {}): Backend {
  return {
    name: 'wasm',
    prepare: (graph, infos, prepareOptions?: PrepareOptions) =>
      prepareWasm(graph, infos, {
        ...options,
        threads: prepareOptions?.threads ?? options.threads,
        profile: !!(prepareOptions?.profile ?? options.profile),
      }),
  };
}

export const wasmBackend: Backend = createWasmBackend();

/** Ops of the graph that need a kernel at run time but have none (or produce non-float data). */
function missingKernels(
  graph: Graph,
  infos: ReadonlyMap<string, ValueInfo>,
  isConst: (n: string) => boolean,
) {
  const missing = new Map<string, string[]>();
  for (const node of graph.nodes) {
    if (node.outputs.every((o) => !o || isConst(o))) continue;
    const outDType = infos.get(node.outputs[0] as string)?.dtype;
    // Run-time values are float32, except ArgMax's int64 labels, which only Cast may read.
    const inputsOk = node.inputs.every(
      (n) => !n || isConst(n) || infos.get(n)?.dtype === 'float32' || node.op === 'Cast',
    );
    const dtypeOk = inputsOk && (outDType === 'float32' || (node.op === 'ArgMax' && outDType === 'int64'));
    if (WASM_COMPILERS[node.op] && dtypeOk) continue;
    const what = dtypeOk ? node.op : `${node.op} (on non-float32 run-time data)`;
    missing.set(what, [...(missing.get(what) ?? []), node.name]);
  }
  return missing;
}

/** Shape math that folds to constants once the input shapes are concrete. */
const FOLDABLE = new Set(['Shape', 'Gather', 'Constant', 'ConstantOfShape', 'Cast', 'Concat', 'Slice']);

async function prepareWasm(
  graph: Graph,
  infos: ReadonlyMap<string, ValueInfo>,
  options: WasmBackendOptions,
): Promise<PreparedModel> {
  const runtimeInputs = graph.inputs.filter((t) => !graph.initializers.has(t.name));
  const symbolic = runtimeInputs.some((t) => infos.get(t.name)?.shape.some((d) => typeof d !== 'number'));
  if (!symbolic) return prepareConcrete(graph, infos, options);
  // Symbolic input dims: the arena is planned at the first run for the shapes fed, and planned
  // again only when they change. Ops with no kernel at all are reported now.
  const lacking = [...new Set(graph.nodes.map((n) => n.op))].filter(
    (op) => !WASM_COMPILERS[op] && !FOLDABLE.has(op),
  );
  if (lacking.length > 0) {
    throw new BackendUnavailableError(
      'wasm',
      `no WASM kernel yet for ${lacking.join(', ')}; use --backend ref for this model`,
    );
  }
  let current: { key: string; model: PreparedModel } | undefined;
  return {
    lastProfile: () => current?.model.lastProfile?.(),
    async run(feeds, outputs) {
      const shapes: Record<string, number[]> = {};
      for (const [name, t] of feeds) shapes[name] = [...t.dims];
      const key = JSON.stringify(shapes);
      if (current?.key !== key) {
        current?.model.release();
        current = undefined;
        const model = await prepareConcrete(graph, inferShapes(graph, { inputShapes: shapes }), options);
        current = { key, model };
      }
      return current.model.run(feeds, outputs);
    },
    release() {
      current?.model.release();
      current = undefined;
    },
  };
}

async function prepareConcrete(
  graph: Graph,
  infos: ReadonlyMap<string, ValueInfo>,
  options: WasmBackendOptions,
): Promise<PreparedModel> {
  const constantOf = (name: string) => graph.initializers.get(name) ?? infos.get(name)?.value;
  const isConst = (name: string) => constantOf(name) !== undefined;
  const missing = missingKernels(graph, infos, isConst);
  if (missing.size > 0) {
    const list = [...missing].map(
      ([op, nodes]) => `${op} (${nodes.slice(0, 3).join(', ')}${nodes.length > 3 ? ', ...' : ''})`,
    );
    throw new BackendUnavailableError(
      'wasm',
      `no WASM kernel yet for ${list.join('; ')}; WASM kernels: ${Object.keys(WASM_COMPILERS).join(', ')}. Use --backend ref for this model`,
    );
  }
  const threads = threadCount(options.threads);
  const started = await instantiate(options, threads);
  try {
    return compileProgram(graph, infos, constantOf, options, threads, started.inst, started.pool);
  } catch (e) {
    // A session that fails to lay out (e.g. over the shared memory's 2 GiB) must not leave its
    // workers running.
    started.pool?.terminate();
    throw e;
  }
}

/** Lays out the arena on a fresh instance and compiles every node into steps. */
function compileProgram(
  graph: Graph,
  infos: ReadonlyMap<string, ValueInfo>,
  constantOf: (name: string) => Tensor | undefined,
  options: WasmBackendOptions,
  threads: number,
  startedInst: WasmInstance,
  startedPool: Pool | undefined,
): PreparedModel {
  const isConst = (name: string) => constantOf(name) !== undefined;
  let inst = startedInst;
  let pool = startedPool;
  const base = kernelsOf(inst);
  const k = pool ? parallelKernels(base, pool, options.minParallelWork ?? MIN_PARALLEL_WORK) : base;
  const alloc = (bytes: number) => inst.alloc(bytes + SLACK);
  const ksac = options.ksac === false ? [] : findKsacGroups(graph, infos, constantOf);
  graph = groupAdjacent(graph, ksac);
  const channelsLastUse = channelsLastReaders(graph);
  const plan = planMemory(graph, infos);
  const fused = ksacCompilers(ksac, plan.order, infos, constantOf);
  const slots = plan.slotBytes.map((b) => alloc(b));
  const maxBytes = Math.max(
    16,
    ...[...infos.values()].map((v) =>
      v.shape.every((d) => typeof d === 'number') ? count(v.shape as number[]) * 4 : 0,
    ),
    // Winograd's tile buffers (small: 16 tiles per block), one set per thread.
    ...graph.nodes.map((n) => {
      const w = n.op === 'Conv' ? constantOf(n.inputs[1] ?? '') : undefined;
      return w && w.dims.length === 4
        ? threads * winogradThreadStride(w.dims[1] as number, w.dims[0] as number)
        : 0;
    }),
  );
  const scratch = [alloc(maxBytes), alloc(maxBytes)] as const;
  const values = new Map<string, Val>();
  const view = () => inst.memory.buffer;

  // Graph inputs: row-major when no reader wants channels-last (the feed is copied straight in),
  // else a row-major staging buffer the feed is copied to, then transposed into the value.
  let feeds = graph.inputs
    .filter((t) => !graph.initializers.has(t.name))
    .map((t) => {
      const info = infos.get(t.name);
      const concrete = info?.shape.every((d) => typeof d === 'number') ?? false;
      if (!info || !concrete || info.dtype !== 'float32') {
        throw new ShapeError(
          t.name,
          'input',
          `the WASM backend needs a float32 input of concrete shape, got ${info?.dtype} [${info?.shape.join(', ')}]`,
        );
      }
      const dims = info.shape as number[];
      const n = count(dims);
      const perm = channelsLastUse(t.name) ? defaultPerm(dims.length) : identity(dims.length);
      const val: Val = { ptr: alloc(n * 4), dims, perm, dtype: 'float32' };
      values.set(t.name, val);
      if (sameOrder(perm, identity(dims.length), dims)) {
        return { name: t.name, staging: val.ptr, n, run: () => {} };
      }
      const staging = alloc(n * 4);
      const stage: Val = { ...val, ptr: staging, perm: identity(dims.length) };
      const toLayout = relayout(k, stage, val.perm);
      return { name: t.name, staging, n, run: () => toLayout(val.ptr) };
    });

  const uploaded = new Map<string, Val>();
  const uploadArray = (data: Float32Array | Int32Array) => {
    const ptr = alloc(data.byteLength);
    new Uint8Array(view(), ptr, data.byteLength).set(
      new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    );
    return ptr;
  };
  const program: Step[] = [];
  /** Per node (for profiles): its name, op and how many of the program's steps are its own. */
  const owners: { node: string; op: string; steps: number }[] = [];
  for (const node of plan.order) {
    if (node.outputs.every((o) => !o || isConst(o))) continue;
    const ctx: Ctx = {
      k,
      node,
      infos,
      constant: (i) => {
        const name = node.inputs[i];
        return name ? constantOf(name) : undefined;
      },
      input: (i) => {
        const name = node.inputs[i] as string;
        const v = values.get(name) ?? uploaded.get(name);
        if (v) return v;
        const t = constantOf(name);
        if (!t) throw new AtrousError('INTERNAL', `${node.name}: input '${name}' has no value`);
        const data = Float32Array.from(t.toNumbers());
        const c: Val = {
          ptr: uploadArray(data),
          dims: [...t.dims],
          perm: identity(t.dims.length),
          dtype: 'float32',
        };
        uploaded.set(name, c);
        return c;
      },
      output: (i, perm) => {
        const name = node.outputs[i] as string;
        const info = infos.get(name) as ValueInfo;
        const slot = plan.slotOf.get(name);
        if (slot === undefined)
          throw new AtrousError('INTERNAL', `${node.name}: output '${name}' has no slot`);
        const v: Val = {
          ptr: slots[slot] as number,
          dims: [...info.shape] as number[],
          perm: [...perm],
          dtype: info.dtype,
        };
        values.set(name, v);
        return v;
      },
      alloc,
      upload: uploadArray,
      scratch: (which) => scratch[which],
      scratchBytes: maxBytes,
      instance: inst,
      winograd4: options.winograd4 ?? true,
      threads,
      pool,
      channelsLastUse: (i) => {
        const name = node.outputs[i];
        return !!name && channelsLastUse(name);
      },
    };
    const nodeSteps = (fused.get(node) ?? (WASM_COMPILERS[node.op] as (c: Ctx) => Step[]))(ctx);
    program.push(...nodeSteps);
    owners.push({ node: node.name, op: node.op, steps: nodeSteps.length });
  }

  let outputs = graph.outputs.map((o) => {
    const c = constantOf(o.name);
    if (c) return { name: o.name, read: () => c };
    const v = values.get(o.name) as Val;
    const n = count(v.dims);
    if (v.dtype === 'int64') {
      const strides = logicalStrides(v.dims, v.perm);
      return { name: o.name, read: () => readInt64(view(), v, strides) };
    }
    // Already row-major: one copy out of the arena, no staging.
    if (sameOrder(v.perm, identity(v.dims.length), v.dims)) {
      return {
        name: o.name,
        read: () => new Tensor('float32', v.dims, new Float32Array(view(), v.ptr, n).slice()),
      };
    }
    const staging = alloc(n * 4);
    const toRowMajor = relayout(k, v, identity(v.dims.length));
    return {
      name: o.name,
      read: () => {
        toRowMajor(staging);
        return new Tensor('float32', v.dims, new Float32Array(view(), staging, n).slice());
      },
    };
  });

  let last: RunProfile | undefined;
  return {
    lastProfile: () => last,
    async run(feedMap, wanted) {
      if (!inst) throw new AtrousError('INTERNAL', 'this WASM session was released');
      for (const f of feeds) {
        new Float32Array(view(), f.staging, f.n).set((feedMap.get(f.name) as Tensor<'float32'>).data);
        f.run();
      }
      if (options.profile) {
        let at = 0;
        const nodes = owners.map((o) => {
          const t0 = nowMs();
          for (let i = 0; i < o.steps; i++) (program[at++] as Step)();
          return { node: o.node, op: o.op, ms: nowMs() - t0 };
        });
        last = { method: 'cpu', nodes };
      } else {
        for (const step of program) step();
      }
      const result = new Map<string, Tensor>();
      for (const o of outputs) if (wanted.includes(o.name)) result.set(o.name, o.read());
      return result;
    },
    release() {
      // Dropping the instance lets the engine reclaim its whole memory (WASM memory cannot shrink);
      // the workers, which hold the shared memory too, end first.
      pool?.terminate();
      pool = undefined;
      inst = undefined as never;
      values.clear();
      uploaded.clear();
      program.length = 0;
      feeds = [];
      outputs = [];
    },
  };
}

function readInt64(buffer: ArrayBuffer, v: Val, strides: readonly number[]): Tensor {
  const src = new BigInt64Array(buffer, v.ptr, count(v.dims));
  const out = new BigInt64Array(src.length);
  const idx = new Array<number>(v.dims.length).fill(0);
  for (let i = 0; i < out.length; i++) {
    let at = 0;
    idx.forEach((x, a) => {
      at += x * (strides[a] as number);
    });
    out[i] = src[at] as bigint;
    for (let a = idx.length - 1; a >= 0; a--) {
      idx[a] = (idx[a] as number) + 1;
      if ((idx[a] as number) < (v.dims[a] as number)) break;
      idx[a] = 0;
    }
  }
  return new Tensor('int64', v.dims, out);
}
