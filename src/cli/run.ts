import type { Command } from 'commander';
import { Session } from '../engine/session.js';
import type { Tensor } from '../engine/tensor.js';
import { InputError } from '../errors.js';
import { readNpy, writeNpy } from '../io/node.js';
import {
  assignSpecs,
  type BackendName,
  backendOption,
  type CliIO,
  castTensor,
  loadGraph,
  parsePositiveInt,
  summarize,
} from './common.js';
import { checkInspectOptions, dumpWgsl, type InspectOptions, printProfile } from './profile-dump.js';

export interface RunOptions extends InspectOptions {
  input?: string[];
  output?: string[];
  backend: BackendName;
  optimize: boolean;
  threads?: string;
}

export function registerRun(program: Command, io: CliIO): void {
  program
    .command('run')
    .description('run a model on .npy inputs and write its outputs as .npy')
    .argument('<model>', 'model file (.onnx)')
    .option('-i, --input <[name=]file.npy...>', 'input tensors (names needed when the model has several)')
    .option(
      '-o, --output <[name=]file.npy...>',
      'where to write outputs (names needed when there are several)',
    )
    .addOption(backendOption())
    .option('--no-optimize', 'run the graph as imported, without the optimization passes')
    .option('-t, --threads <n>', 'worker threads (wasm backend; others ignore it)', '1')
    .option('--profile', 'print per-node time (GPU timestamps on webgpu where the adapter has them)')
    .option('--dump-wgsl <dir>', 'write the exact WGSL of every pipeline used, plus index.json (webgpu)')
    .action((model: string, opts: RunOptions) => runCommand(model, opts, io));
}

export async function runCommand(modelPath: string, opts: RunOptions, io: CliIO): Promise<void> {
  checkInspectOptions(opts);
  const threads = parsePositiveInt(opts.threads ?? '1', '--threads');
  const graph = await loadGraph(modelPath);
  const session = await Session.create(graph, {
    backend: opts.backend,
    optimize: opts.optimize,
    profile: !!opts.profile,
    threads,
  });
  try {
    if (opts.dumpWgsl !== undefined) await dumpWgsl(session, opts.dumpWgsl, io);
    const inputNames = session.inputs.map((i) => i.name);
    const outputNames = session.outputs.map((o) => o.name);
    const inputFiles = assignSpecs('input', '--input', opts.input ?? [], inputNames);
    const outputFiles = assignSpecs('output', '--output', opts.output ?? [], outputNames);
    const missing = inputNames.filter((n) => !inputFiles.has(n));
    if (missing.length > 0) {
      const example = inputNames.length === 1 ? 'x.npy' : `${missing[0]}=x.npy`;
      throw new InputError(
        `missing --input for ${missing.map((n) => `'${n}'`).join(', ')} (model inputs: ${inputNames.join(', ')}); e.g. --input ${example}`,
      );
    }
    const feeds: Record<string, Tensor> = {};
    for (const info of session.inputs) {
      const path = inputFiles.get(info.name) as string;
      const t = await readNpy(path);
      feeds[info.name] = convertForModel(t, info.dtype, info.name, path, io);
    }
    const results = await session.run(feeds);
    for (const name of outputNames) {
      const t = results[name] as Tensor;
      const file = outputFiles.get(name);
      if (file) await writeNpy(file, t);
      io.out(summarize(name, t) + (file ? ` -> ${file}` : ''));
    }
    if (opts.profile) printProfile(session, io);
  } finally {
    session.release();
  }
}

/** NumPy saves float64 and int64 by default: convert losslessly-enough cases, and say so. */
function convertForModel(t: Tensor, want: Tensor['dtype'], name: string, path: string, io: CliIO): Tensor {
  if (t.dtype === want) return t;
  const ok =
    (want === 'float32' && t.dtype === 'float64') ||
    (want === 'int64' && (t.dtype === 'int32' || t.dtype === 'uint8' || t.dtype === 'int8')) ||
    (want === 'int32' && t.dtype === 'int64');
  if (!ok) {
    throw new InputError(`${path}: input '${name}' must be ${want}, the file holds ${t.dtype}`);
  }
  io.err(`atrous: note: converting ${path} from ${t.dtype} to ${want} for input '${name}'`);
  return castTensor(t, want);
}
