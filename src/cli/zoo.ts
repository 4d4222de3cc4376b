import { basename } from 'node:path';
import { type Command, Option } from 'commander';
import type { Tensor } from '../engine/tensor.js';
import { AtrousError, ModelFormatError } from '../errors.js';
import type { Dim, Graph } from '../graph/ir.js';
import { saveAtrous } from '../graph/serialize/atrous-writer.js';
import { inferShapes } from '../graph/shape-inference.js';
import { readBytes, writeBytes } from '../io/node.js';
import { ZOO, type ZooConfig, type ZooModel } from '../zoo/index.js';
import { countParameters, loadWeights, parseSafetensors, randomWeights } from '../zoo/weights/index.js';
import { type CliIO, formatShape, parsePositiveInt, UsageError } from './common.js';
import { describeModel } from './info.js';
import { progress } from './progress.js';

export interface ZooListOptions {
  json?: boolean;
  /** Only these models (each must exist); all when empty. */
  names?: string[];
}

export interface ZooBuildOptions {
  out: string;
  classes?: string;
  outputStride?: string;
  inputSize?: string;
  points?: string;
  aux?: boolean;
  weights?: string;
  randomWeights?: boolean;
  seed?: string;
  fp16?: boolean;
}

/** One row of `atrous zoo list`. */
export interface ZooEntry {
  name: string;
  task: ZooModel['task'];
  source: ZooModel['source'];
  description: string;
  /** Learnable parameters (PyTorch's count: BatchNorm running statistics excluded). */
  parameters: number;
  /** FLOPs of one forward pass at the default input size; null when shapes are symbolic. */
  flops: number | null;
  input: Dim[];
}

export function registerZoo(program: Command, io: CliIO): void {
  const zoo = program
    .command('zoo')
    .description('the model zoo: list the architectures, build one as .atrous');
  zoo
    .command('list')
    .description('every zoo model with its task, source, parameters and GFLOPs at the default input size')
    .argument('[names...]', 'only these models (default: all)')
    .option('--json', 'print one JSON array')
    .action((names: string[], opts: ZooListOptions) => zooListCommand({ ...opts, names }, io));
  zoo
    .command('build')
    .description(
      'build a zoo model with weights (from .safetensors, or seeded random) and save it as .atrous',
    )
    .argument('<name>', "model name (see 'atrous zoo list')")
    .requiredOption('-o, --out <file.atrous>', 'where to write the model')
    .option('--classes <n>', 'number of output classes')
    .addOption(
      new Option('--output-stride <n>', 'backbone output stride (via dilation)').choices(['8', '16', '32']),
    )
    .option('--input-size <HxW>', 'input size of the graph')
    .option('--points <n>', 'number of points (point-cloud models)')
    .option('--aux', 'include the auxiliary head where the architecture has one')
    .option(
      '--weights <file.safetensors>',
      "a PyTorch state_dict saved with safetensors, names as the model's",
    )
    .option('--random-weights', 'seeded random weights (for benchmarking)')
    .option('--seed <n>', 'seed of --random-weights (default 0)')
    .option('--fp16', 'store the weights as float16 (half the file; float32 again on load)')
    .action((name: string, opts: ZooBuildOptions) => zooBuildCommand(name, opts, io));
}

/** Builds each model with its defaults and measures it (the models come from ZOO unless given). */
export function listZoo(models: readonly ZooModel[] = ZOO): { entries: ZooEntry[]; failures: string[] } {
  const entries: ZooEntry[] = [];
  const failures: string[] = [];
  for (const model of models) {
    try {
      const graph = model.build();
      const info = describeModel(model.name, graph, inferShapes(graph));
      entries.push({
        name: model.name,
        task: model.task,
        source: model.source,
        description: model.description,
        parameters: countParameters(graph),
        flops: info.flopsComplete ? info.totalFlops : null,
        input: info.inputs[0]?.shape ?? [],
      });
    } catch (e) {
      failures.push(`${model.name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return { entries, failures };
}

export function zooListCommand(opts: ZooListOptions, io: CliIO, models: readonly ZooModel[] = ZOO): void {
  const chosen = opts.names?.length ? opts.names.map((n) => findModel(n, models)) : models;
  const { entries, failures } = listZoo(chosen);
  if (opts.json) io.out(JSON.stringify(entries));
  else for (const line of renderZooList(entries)) io.out(line);
  if (failures.length > 0) {
    throw new AtrousError(
      'INTERNAL',
      `${failures.length} zoo model(s) failed to build:\n  ${failures.join('\n  ')}`,
    );
  }
}

export function renderZooList(entries: readonly ZooEntry[]): string[] {
  if (entries.length === 0) return ['the zoo has no models'];
  const rows = entries.map((e) => [
    e.name,
    e.task,
    e.source,
    `${(e.parameters / 1e6).toFixed(2)} M`,
    e.flops === null ? '?' : (e.flops / 1e9).toFixed(2),
    formatShape(e.input),
  ]);
  const head = ['name', 'task', 'source', 'params', 'GFLOPs', 'input'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const right = new Set([3, 4]);
  const fmt = (r: string[]) =>
    r
      .map((c, i) => (right.has(i) ? c.padStart(widths[i] as number) : c.padEnd(widths[i] as number)))
      .join('  ')
      .trimEnd();
  return [fmt(head), ...rows.map(fmt)];
}

function parseInputSize(text: string): [number, number] {
  const nums = text.toLowerCase().split('x').map(Number);
  if (nums.length > 2 || !nums.every((n) => Number.isInteger(n) && n > 0)) {
    throw new UsageError(`--input-size '${text}' is not HxW (e.g. 512x512) or a single size`);
  }
  return nums.length === 1 ? [nums[0] as number, nums[0] as number] : (nums as [number, number]);
}

export function findModel(name: string, models: readonly ZooModel[] = ZOO): ZooModel {
  const model = models.find((m) => m.name === name);
  if (model) return model;
  const names = models.map((m) => m.name);
  throw new UsageError(
    names.length > 0
      ? `unknown model '${name}'; the zoo has: ${names.join(', ')}`
      : `unknown model '${name}'; the zoo has no models`,
  );
}

/** The ZooConfig the flags ask for (only the fields given: the model's defaults fill the rest). */
export function zooConfig(opts: ZooBuildOptions): ZooConfig {
  const config: ZooConfig = {};
  if (opts.classes !== undefined) config.classes = parsePositiveInt(opts.classes, '--classes');
  if (opts.outputStride !== undefined) config.outputStride = Number(opts.outputStride) as 8 | 16 | 32;
  if (opts.inputSize !== undefined) config.inputSize = parseInputSize(opts.inputSize);
  if (opts.points !== undefined) config.points = parsePositiveInt(opts.points, '--points');
  if (opts.aux) config.aux = true;
  if (opts.seed !== undefined) config.seed = parsePositiveInt(opts.seed, '--seed', 0);
  return config;
}

export async function zooBuildCommand(
  name: string,
  opts: ZooBuildOptions,
  io: CliIO,
  models: readonly ZooModel[] = ZOO,
): Promise<void> {
  const model = findModel(name, models);
  if (opts.weights !== undefined && opts.randomWeights) {
    throw new UsageError('give either --weights or --random-weights, not both');
  }
  if (opts.weights === undefined && !opts.randomWeights) {
    throw new UsageError('give --weights file.safetensors, or --random-weights for seeded random weights');
  }
  if (opts.seed !== undefined && !opts.randomWeights)
    throw new UsageError('--seed goes with --random-weights');
  const config = zooConfig(opts);
  const bar = progress(io, `zoo build ${name}`, 4);
  try {
    bar.update(0, 'building the graph');
    let graph: Graph = model.build(config);
    let weightsNote: string;
    if (opts.weights !== undefined) {
      bar.update(1, 'reading weights');
      const bytes = await readBytes(opts.weights);
      let tensors: Map<string, Tensor>;
      try {
        tensors = parseSafetensors(bytes).tensors;
      } catch (e) {
        if (e instanceof ModelFormatError) throw new ModelFormatError(`${opts.weights}: ${e.message}`);
        throw e;
      }
      graph = loadWeights(graph, tensors, { source: opts.weights });
      weightsNote = basename(opts.weights);
    } else {
      bar.update(1, 'drawing random weights');
      const seed = config.seed ?? 0;
      graph = randomWeights(graph, seed);
      weightsNote = `random (seed ${seed})`;
    }
    bar.update(2, 'encoding');
    graph = {
      ...graph,
      metadata: {
        ...graph.metadata,
        zoo_model: name,
        zoo_config: JSON.stringify({ ...model.defaults, ...config }),
        weights: weightsNote,
      },
    };
    const bytes = saveAtrous(graph, { fp16: opts.fp16 === true });
    bar.update(3, 'writing');
    await writeBytes(opts.out, bytes);
    bar.update(4, 'done');
    bar.stop();
    const input = graph.inputs.find((i) => !graph.initializers.has(i.name));
    const params = (countParameters(graph) / 1e6).toFixed(2);
    io.out(
      `${opts.out}: ${name}, ${params} M parameters, input ${input ? formatShape(input.shape) : '-'}, weights ${weightsNote}, ${(bytes.byteLength / 1e6).toFixed(1)} MB (${opts.fp16 ? 'fp16' : 'fp32'})`,
    );
  } finally {
    bar.stop();
  }
}
