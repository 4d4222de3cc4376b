import { BackendUnavailableError, InputError } from '../errors.js';
import { importModel } from '../graph/import/index.js';
import type { Graph, TensorInfo } from '../graph/ir.js';
import { optimizeGraph } from '../graph/passes/index.js';
import { inferShapes } from '../graph/shape-inference.js';
import { validateGraph } from '../graph/validate.js';
import {
  BACKEND_NAMES,
  type Backend,
  type BackendName,
  type PreparedModel,
  type ShaderDump,
} from './backend.js';
import { refBackend } from './backends/ref/index.js';
import type { ValueInfo } from './ops/types.js';
import type { RunProfile } from './profile.js';
import { sizeOf, type Tensor } from './tensor.js';

export interface SessionOptions {
  /** Which backend runs the model (default 'ref'). */
  backend?: BackendName;
  /** Run the graph passes (constant folding, BatchNorm folding, fusion...). Default true. */
  optimize?: boolean;
  /**
   * Time every node of every run; read it with `session.lastProfile()`. webgpu: GPU timestamp
   * queries when the adapter has 'timestamp-query' (one compute pass per node), else wall time of
   * one submit per node ('submit' forces that); ref: CPU wall time per node.
   */
  profile?: boolean | 'submit';
  /**
   * Threads (wasm backend): kernels split across workers over shared memory. Falls back to one
   * thread, with a warning, where SharedArrayBuffer or workers are unavailable. Default 1.
   */
  threads?: number;
}

async function resolveBackend(name: BackendName): Promise<Backend> {
  switch (name) {
    case 'ref':
      return refBackend;
    case 'wasm':
      return (await import('./backends/wasm/index.js')).wasmBackend;
    case 'webgpu':
      return (await import('./backends/webgpu/index.js')).webgpuBackend;
  }
  throw new BackendUnavailableError(
    String(name),
    `unknown backend; choose one of ${BACKEND_NAMES.join(', ')}`,
  );
}

/**
 * A model ready to run: `await Session.create(bytesOrGraph, { backend })`, then
 * `await session.run({ input: tensor })` → `{ output: tensor }`.
 */
export class Session {
  readonly graph: Graph;
  readonly inputs: readonly TensorInfo[];
  readonly outputs: readonly TensorInfo[];
  readonly backend: BackendName;
  private readonly prepared: PreparedModel;
  private released = false;

  private constructor(graph: Graph, backend: BackendName, prepared: PreparedModel) {
    this.graph = graph;
    this.backend = backend;
    this.prepared = prepared;
    const runtimeInputs = graph.inputs.filter((t) => !graph.initializers.has(t.name));
    this.inputs = runtimeInputs;
    this.outputs = graph.outputs;
  }

  static async create(
    model: Uint8Array | ArrayBuffer | Graph,
    options: SessionOptions = {},
  ): Promise<Session> {
    if (options === null || typeof options !== 'object') {
      throw new InputError(`options must be an object (SessionOptions), got ${kindOf(options)}`);
    }
    const backendName = options.backend ?? 'ref';
    const backend = await resolveBackend(backendName);
    const imported =
      model instanceof Uint8Array || model instanceof ArrayBuffer
        ? importModel(toBytes(model))
        : asGraph(model);
    validateGraph(imported);
    const graph = options.optimize === false ? imported : optimizeGraph(imported);
    const infos: Map<string, ValueInfo> = inferShapes(graph);
    const typed: Graph = {
      ...graph,
      outputs: graph.outputs.map((o) => {
        const info = infos.get(o.name);
        return info ? { name: o.name, dtype: info.dtype, shape: [...info.shape] } : o;
      }),
    };
    return new Session(
      typed,
      backendName,
      await backend.prepare(typed, infos, { profile: options.profile, threads: options.threads }),
    );
  }

  /** Runs the model. `outputNames` picks a subset of outputs (default: all). */
  async run(feeds: Record<string, Tensor>, outputNames?: readonly string[]): Promise<Record<string, Tensor>> {
    if (this.released) throw new InputError('this session was released; create a new one');
    const checked = this.checkFeeds(feeds);
    const wanted = outputNames ?? this.outputs.map((o) => o.name);
    for (const name of wanted) {
      if (!this.outputs.some((o) => o.name === name)) {
        throw new InputError(
          `'${name}' is not an output of this model; outputs: ${this.outputs.map((o) => o.name).join(', ')}`,
        );
      }
    }
    const result = await this.prepared.run(checked, wanted);
    return Object.fromEntries(result);
  }

  /** Per-node times of the last run (Session option `profile`); undefined when the backend cannot profile. */
  lastProfile(): RunProfile | undefined {
    return this.prepared.lastProfile?.();
  }

  /**
   * Settles once the session runs its fastest kernels. On a software adapter (SwiftShader,
   * lavapipe) the webgpu backend starts convs on kernels that compile in about half the time and
   * compiles the faster ones in the background after the first run (or now, when asked first);
   * the run after this settles uses them. At once elsewhere. Rejects if an upgrade failed to
   * compile (the session keeps running the first kernels).
   */
  async upgraded(): Promise<void> {
    if (this.released) throw new InputError('this session was released; create a new one');
    await this.prepared.upgraded?.();
  }

  /** The exact shader text of every pipeline used (webgpu); undefined on CPU backends. */
  shaders(): ShaderDump | undefined {
    return this.prepared.shaders?.();
  }

  release(): void {
    if (!this.released) this.prepared.release();
    this.released = true;
  }

  private checkFeeds(feeds: Record<string, Tensor>): Map<string, Tensor> {
    if (feeds === null || typeof feeds !== 'object') {
      throw new InputError(`feeds must be an object of input name -> Tensor, got ${kindOf(feeds)}`);
    }
    const map = new Map<string, Tensor>();
    const names = this.inputs.map((i) => i.name);
    for (const name of Object.keys(feeds)) {
      if (!names.includes(name)) {
        throw new InputError(`'${name}' is not an input of this model; inputs: ${names.join(', ')}`);
      }
    }
    for (const info of this.inputs) {
      const t = feeds[info.name];
      if (!t) throw new InputError(`missing input '${info.name}' (${describe(info)})`);
      // Plain JS callers can pass anything: a typed array, or a tensor-like whose data does not fit.
      if (typeof t !== 'object' || !Array.isArray(t.dims) || !ArrayBuffer.isView(t.data)) {
        throw new InputError(
          `input '${info.name}' is not a Tensor (make one with new Tensor(dtype, dims, data))`,
        );
      }
      const size = sizeOf(t.dims);
      if ((t.data as ArrayLike<unknown>).length !== size) {
        throw new InputError(
          `input '${info.name}' holds ${(t.data as ArrayLike<unknown>).length} values for shape [${t.dims.join(', ')}] (${size})`,
        );
      }
      if (t.dtype !== info.dtype) {
        throw new InputError(`input '${info.name}' must be ${info.dtype}, got ${t.dtype}`);
      }
      const fits =
        t.dims.length === info.shape.length &&
        info.shape.every((d, i) => typeof d !== 'number' || d < 0 || d === t.dims[i]);
      if (!fits) {
        throw new InputError(
          `input '${info.name}' has shape [${t.dims.join(', ')}], the model expects ${describe(info)}`,
        );
      }
      map.set(info.name, t);
    }
    return map;
  }
}

/** A model given as a Graph (built with GraphBuilder, or imported): anything else is named. */
function asGraph(model: unknown): Graph {
  const g = model as Partial<Graph> | null;
  const isGraph =
    typeof g === 'object' &&
    g !== null &&
    Array.isArray(g.inputs) &&
    Array.isArray(g.outputs) &&
    Array.isArray(g.nodes) &&
    g.initializers instanceof Map;
  if (isGraph) return g as Graph;
  throw new InputError(
    `a model is its bytes (Uint8Array or ArrayBuffer: read the file first, e.g. readBytes from 'atrous/node') or a Graph; got ${kindOf(model)}`,
  );
}

/** What a plain-JS caller passed instead, for an InputError. */
function kindOf(v: unknown): string {
  if (v === null) return 'null';
  return typeof v === 'string' ? `the string '${v}'` : typeof v;
}

function describe(info: TensorInfo): string {
  return `${info.dtype} [${info.shape.join(', ')}]`;
}

function toBytes(model: Uint8Array | ArrayBuffer): Uint8Array {
  return model instanceof Uint8Array ? model : new Uint8Array(model);
}
