import { performance } from 'node:perf_hooks';
import type { Command } from 'commander';
import { Session } from '../engine/session.js';
import { allocate, type DType, isFloatDType, sizeOf, Tensor } from '../engine/tensor.js';
import { InputError } from '../errors.js';
import type { TensorInfo } from '../graph/ir.js';
import { Rng } from '../util/random.js';
import {
  assignSpecs,
  type BackendName,
  backendOption,
  type CliIO,
  formatNumber,
  formatShape,
  loadGraph,
  parseDims,
  parsePositiveInt,
} from './common.js';
import { checkInspectOptions, dumpWgsl, type InspectOptions, printProfile } from './profile-dump.js';
import { progress } from './progress.js';

export interface BenchOptions extends InspectOptions {
  backend: BackendName;
  threads: string;
  runs: string;
  warmup: string;
  seed: string;
  shape?: string[];
  json?: boolean;
  optimize: boolean;
}

export interface BenchResult {
  model: string;
  backend: BackendName;
  threads: number;
  runs: number;
  warmup: number;
  median_ms: number;
  min_ms: number;
  mean_ms: number;
  max_ms: number;
  times_ms: number[];
}

export function registerBench(program: Command, io: CliIO): void {
  program
    .command('bench')
    .description('time a model on seeded random inputs')
    .argument('<model>', 'model file (.onnx)')
    .addOption(backendOption())
    .option('-t, --threads <n>', 'worker threads for backends that use them', '1')
    .option('-r, --runs <k>', 'timed runs', '10')
    .option('-w, --warmup <w>', 'untimed warm-up runs', '2')
    .option('--seed <n>', 'seed of the random inputs', '0')
    .option('-s, --shape <[name=]NxCxHxW...>', 'input shapes (required where the model has symbolic dims)')
    .option('--json', 'print the result as one JSON object (the last line of stdout)')
    .option('--no-optimize', 'run the graph as imported, without the optimization passes')
    .option('--profile', 'profile every run and print the last one per node (adds per-node overhead)')
    .option('--dump-wgsl <dir>', 'write the exact WGSL of every pipeline used, plus index.json (webgpu)')
    .action(async (model: string, opts: BenchOptions) => {
      await benchCommand(model, opts, io);
    });
}

export async function benchCommand(modelPath: string, opts: BenchOptions, io: CliIO): Promise<BenchResult> {
  const threads = parsePositiveInt(opts.threads, '--threads');
  const runs = parsePositiveInt(opts.runs, '--runs');
  const warmup = parsePositiveInt(opts.warmup, '--warmup', 0);
  const seed = parsePositiveInt(opts.seed, '--seed', 0);
  checkInspectOptions(opts);
  const graph = await loadGraph(modelPath);
  // wasm splits kernels across `threads` workers; ref and webgpu ignore it (recorded for the report).
  const session = await Session.create(graph, {
    backend: opts.backend,
    optimize: opts.optimize,
    profile: !!opts.profile,
    threads,
  });
  try {
    const names = session.inputs.map((i) => i.name);
    const shapes = assignSpecs('input', '--shape', opts.shape ?? [], names);
    const rng = new Rng(seed);
    const feeds: Record<string, Tensor> = {};
    for (const info of session.inputs) {
      const given = shapes.get(info.name);
      feeds[info.name] = randomTensor(
        info,
        given === undefined ? undefined : parseDims(given, '--shape'),
        rng,
      );
    }
    const bar = progress(io, 'bench', warmup + runs);
    const times: number[] = [];
    try {
      for (let i = 0; i < warmup + runs; i++) {
        bar.update(i, i < warmup ? 'warm-up' : 'timed');
        // Timed runs use the kernels the session keeps (webgpu's tiered start-up, software adapters).
        if (i === warmup) await session.upgraded();
        const t0 = performance.now();
        await session.run(feeds);
        const dt = performance.now() - t0;
        if (i >= warmup) times.push(dt);
      }
      bar.update(warmup + runs, 'done');
    } finally {
      bar.stop();
    }
    // After the runs: the dump holds both tiers of a tiered webgpu session.
    if (opts.dumpWgsl !== undefined) await dumpWgsl(session, opts.dumpWgsl, io);
    const result = summarizeTimes(modelPath, opts.backend, threads, warmup, times);
    // Before the result: with --json the JSON object stays the last line of stdout.
    if (opts.profile) printProfile(session, io);
    if (opts.json) {
      io.out(JSON.stringify(result));
    } else {
      const ms = (v: number) => `${formatNumber(v)} ms`;
      io.out(
        `${modelPath} on ${opts.backend} (${threads} thread${threads === 1 ? '' : 's'}): median ${ms(result.median_ms)}, min ${ms(result.min_ms)}, mean ${ms(result.mean_ms)} over ${runs} runs (${warmup} warm-up)`,
      );
    }
    return result;
  } finally {
    session.release();
  }
}

export function summarizeTimes(
  model: string,
  backend: BackendName,
  threads: number,
  warmup: number,
  times: number[],
): BenchResult {
  const sorted = [...times].sort((a, b) => a - b);
  const n = sorted.length;
  const mid = n >> 1;
  const median =
    n % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  return {
    model,
    backend,
    threads,
    runs: n,
    warmup,
    median_ms: median,
    min_ms: sorted[0] as number,
    mean_ms: sorted.reduce((a, b) => a + b, 0) / n,
    max_ms: sorted[n - 1] as number,
    times_ms: times,
  };
}

/** Seeded input: floats uniform in [-1, 1), integers in [0, 9], booleans 0/1. */
export function randomTensor(info: TensorInfo, given: number[] | undefined, rng: Rng): Tensor {
  const symbolic = info.shape.some((d) => typeof d !== 'number' || d < 0);
  if (!given && symbolic) {
    throw new InputError(
      `input '${info.name}' has symbolic dims ${formatShape(info.shape)}; give a concrete shape with --shape ${info.name}=${info.shape.map((d) => (typeof d === 'number' && d >= 0 ? d : 1)).join('x')}`,
    );
  }
  const dims = given ?? (info.shape as number[]);
  const size = sizeOf(dims);
  const dtype: DType = info.dtype;
  if (isFloatDType(dtype)) {
    const values = rng.floats(size);
    return dtype === 'float32'
      ? new Tensor('float32', dims, values)
      : Tensor.fromNumbers(dtype, dims, values);
  }
  const hi = dtype === 'bool' ? 1 : 9;
  const data = allocate(dtype, size);
  const t = new Tensor(dtype, dims, data);
  for (let i = 0; i < size; i++) {
    const v = rng.int(0, hi);
    if (data instanceof BigInt64Array) data[i] = BigInt(v);
    else (data as Uint8Array)[i] = v;
  }
  return t;
}
