import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { BackendName } from '../../src/engine/backend.js';
import { Session } from '../../src/engine/session.js';
import type { Graph } from '../../src/graph/ir.js';
import { parseNpy } from '../../src/io/npy.js';
import { PAPER_MODELS } from '../../src/zoo/papers/index.js';
import { TORCHVISION_MODELS } from '../../src/zoo/torchvision/index.js';
import type { ZooConfig } from '../../src/zoo/types.js';
import { loadWeights, parseSafetensors } from '../../src/zoo/weights/index.js';
import { relativeError } from '../helpers/compare.js';
import { webgpuSkipReason } from '../webgpu/helpers.js';

/**
 * Every zoo model on the wasm and webgpu backends against PyTorch's output: the paper models on
 * their committed fixtures, the torchvision models on the generated ones (scripts/make-zoo-fixtures.py).
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PAPERS = join(ROOT, 'test/fixtures/zoo-papers');
const TORCHVISION = process.env.ATROUS_ZOO_FIXTURES ?? join(ROOT, 'test/fixtures/generated/zoo');
const gpuSkip = await webgpuSkipReason();

interface Case {
  name: string;
  graph: () => Graph;
  input: string;
  outputs: Record<string, string>;
}

function loaded(build: () => Graph, weights: string): Graph {
  return loadWeights(build(), parseSafetensors(new Uint8Array(readFileSync(weights))).tensors);
}

const paperManifest = JSON.parse(readFileSync(join(PAPERS, 'manifest.json'), 'utf8')) as {
  fixtures: { name: string; config: ZooConfig }[];
};
const cases: Case[] = paperManifest.fixtures.map((fx) => ({
  name: fx.name,
  graph: () => {
    const model = PAPER_MODELS.find((m) => m.name === fx.name);
    if (!model) throw new Error(`no paper model ${fx.name}`);
    return loaded(() => model.build(fx.config), join(PAPERS, `${fx.name}.safetensors`));
  },
  input: join(PAPERS, `${fx.name}.input.npy`),
  outputs: { logits: join(PAPERS, `${fx.name}.output.npy`) },
}));

const tvManifestPath = join(TORCHVISION, 'manifest.json');
const tvModels = existsSync(tvManifestPath)
  ? (
      JSON.parse(readFileSync(tvManifestPath, 'utf8')) as {
        models: Record<
          string,
          { inputSize: [number, number]; classes: number; aux: boolean; weights: string }
        >;
      }
    ).models
  : {};
for (const model of TORCHVISION_MODELS) {
  const entry = tvModels[model.name];
  if (!entry) continue;
  cases.push({
    name: model.name,
    graph: () =>
      loaded(
        () => model.build({ inputSize: entry.inputSize, classes: entry.classes, aux: entry.aux }),
        join(TORCHVISION, entry.weights),
      ),
    input: join(TORCHVISION, `${model.name}.input.npy`),
    outputs: Object.fromEntries(
      (entry.aux ? ['out', 'aux'] : ['out']).map((h) => [h, join(TORCHVISION, `${model.name}.${h}.npy`)]),
    ),
  });
}

const BACKENDS: { backend: BackendName; skip?: string }[] = [
  { backend: 'wasm' },
  { backend: 'webgpu', skip: gpuSkip },
];

describe('zoo models on the wasm and webgpu backends match PyTorch', () => {
  it('covers every paper model and the generated torchvision models', () => {
    expect(PAPER_MODELS.map((m) => m.name).filter((n) => !cases.some((c) => c.name === n))).toEqual([]);
  });
  for (const { backend, skip } of BACKENDS) {
    for (const c of cases) {
      it.skipIf(skip !== undefined)(
        `${c.name} on ${backend}${skip ? ` (skipped: ${skip})` : ''}`,
        async () => {
          const session = await Session.create(c.graph(), { backend });
          try {
            const input = parseNpy(new Uint8Array(readFileSync(c.input)));
            const result = await session.run({ [session.inputs[0]?.name as string]: input });
            for (const [head, file] of Object.entries(c.outputs)) {
              const expected = parseNpy(new Uint8Array(readFileSync(file)));
              const actual = result[head];
              expect(actual, head).toBeDefined();
              if (!actual) return;
              expect([...actual.dims]).toEqual([...expected.dims]);
              expect(relativeError(actual, expected), `${c.name} ${head} on ${backend}`).toBeLessThanOrEqual(
                1e-3,
              );
            }
          } finally {
            session.release();
          }
        },
        300_000,
      );
    }
  }
});
