/**
 * The cases of the WebGPU comparison, built in Node: the bench/workloads.ts workloads at their full
 * sizes (exported to ONNX) and whole models, each with its inputs and the expected first output
 * from atrous' wasm backend (the numerical check of both sides).
 */
import { existsSync, readFileSync } from 'node:fs';
import { exportOnnx, GraphBuilder, importModel, parseNpy, Rng, Session, Tensor } from '../../src/index.js';
import { selectWorkloads } from '../workloads.js';
import type { Case } from './compare.js';

export const WORKLOADS = [
  'dilated3x3',
  'depthwise3x3',
  'pointwise1x1',
  'convtranspose4x4',
  'gcn15',
  'aspp',
  'bilinear8x',
];
/** Whole models: the file atrous loads, and the fixture input (else seeded random inputs). */
export const MODELS: { name: string; file: string; input?: string }[] = [
  {
    name: 'lraspp_mnv3',
    file: 'test/fixtures/generated/tv_lraspp_mnv3_full.onnx',
    input: 'test/fixtures/generated/tv_lraspp_mnv3_full.input.npy',
  },
  { name: 'selfie_segmentation', file: 'assets/selfie_segmentation.tflite' },
];

/** The expected first output, from atrous' wasm backend in Node. */
async function expectedOf(model: Uint8Array, feeds: Record<string, Tensor>): Promise<Float32Array> {
  const s = await Session.create(model, { backend: 'wasm' });
  try {
    const out = (await s.run(feeds))[s.outputs[0]?.name as string] as Tensor;
    return Float32Array.from(out.data as Float32Array);
  } finally {
    s.release();
  }
}

async function workloadCase(name: string): Promise<Case> {
  const [w] = selectWorkloads([name]);
  const b = (w as NonNullable<typeof w>).build('full');
  const bytes = exportOnnx(b.graph);
  const expected = await expectedOf(bytes, b.feeds);
  return { name, shape: b.shape, gflop: b.gflop, model: bytes, onnx: bytes, feeds: b.feeds, expected };
}

async function modelCase(m: (typeof MODELS)[number]): Promise<Case> {
  const bytes = new Uint8Array(readFileSync(m.file));
  const graph = importModel(bytes);
  const onnx = m.file.endsWith('.onnx') ? bytes : exportOnnx(graph);
  const feeds: Record<string, Tensor> = {};
  if (m.input) {
    feeds[graph.inputs[0]?.name as string] = parseNpy(new Uint8Array(readFileSync(m.input)));
  } else {
    const rng = new Rng(5);
    for (const t of graph.inputs) {
      if (graph.initializers.has(t.name)) continue;
      const dims = t.shape.map((d) => (typeof d === 'number' ? d : 1));
      feeds[t.name] = new Tensor(
        'float32',
        dims,
        rng.floats(
          dims.reduce((a, d) => a * d, 1),
          0,
          1,
        ),
      );
    }
  }
  const shape = Object.values(feeds)
    .map((t) => t.dims.join('×'))
    .join(', ');
  const expected = await expectedOf(bytes, feeds);
  return { name: m.name, shape: `input ${shape}`, model: bytes, onnx, feeds, expected };
}

/** The cases named by `only` (all when undefined); models whose file is missing are skipped, with a line on stderr. */
export async function buildCases(only: string[] | undefined, withModels: boolean): Promise<Case[]> {
  const models = withModels ? MODELS : [];
  const names = [...WORKLOADS, ...models.map((m) => m.name)].filter((c) => !only || only.includes(c));
  const cases: Case[] = [];
  for (const name of names) {
    const m = models.find((x) => x.name === name);
    if (m && !existsSync(m.file)) process.stderr.write(`${name}: ${m.file} is missing, skipped\n`);
    else cases.push(m ? await modelCase(m) : await workloadCase(name));
  }
  return cases;
}

/** One Relu: an untimed warm-up, so the first timed cold run of either side does not pay one-time start-up. */
export function warmUpCase(): Case {
  const wb = new GraphBuilder('warmup');
  wb.output(wb.op('Relu', [wb.input('x', [1, 4, 8, 8])]));
  const onnx = exportOnnx(wb.build());
  const x = new Tensor('float32', [1, 4, 8, 8], new Rng(1).floats(256, -1, 1));
  return { name: 'warmup', shape: '', model: onnx, onnx, feeds: { x } };
}

/** Command-line value of `--name`. */
export function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
