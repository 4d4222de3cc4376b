import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Session } from '../../src/engine/session.js';
import { InputError } from '../../src/errors.js';
import { inferShapes } from '../../src/graph/shape-inference.js';
import { parseNpy } from '../../src/io/npy.js';
import { PAPER_MODELS } from '../../src/zoo/papers/index.js';
import type { ZooConfig, ZooModel } from '../../src/zoo/types.js';
import { loadWeights, WeightsMismatchError } from '../../src/zoo/weights/load.js';
import { parseSafetensors } from '../../src/zoo/weights/safetensors.js';
import { relativeError } from '../helpers/compare.js';
import { runOrt } from '../helpers/ort.js';

/**
 * The paper models against the small PyTorch reference modules of
 * scripts/make-paper-fixtures.py: same structure and parameter names, reduced width and input.
 * Weights are loaded strictly by name (a missing, extra or mis-shaped tensor fails the load).
 */

const DIR = fileURLToPath(new URL('../fixtures/zoo-papers/', import.meta.url));
const MAX_RELATIVE_ERROR = 1e-3;

interface Fixture {
  name: string;
  config: ZooConfig;
  input: number[];
  output: number[];
}

const manifest = JSON.parse(readFileSync(join(DIR, 'manifest.json'), 'utf8')) as { fixtures: Fixture[] };
const byName = new Map(PAPER_MODELS.map((m) => [m.name, m]));

function model(name: string): ZooModel {
  const m = byName.get(name);
  if (!m) throw new Error(`no paper model '${name}'`);
  return m;
}

describe('paper models match their PyTorch reference modules', () => {
  for (const fx of manifest.fixtures) {
    it(`${fx.name} (${JSON.stringify(fx.config)})`, async () => {
      const graph = model(fx.name).build({ ...fx.config, seed: 7 });
      const weights = parseSafetensors(new Uint8Array(readFileSync(join(DIR, `${fx.name}.safetensors`))));
      const loaded = loadWeights(graph, weights.tensors, { source: `${fx.name}.safetensors` });
      const x = parseNpy(new Uint8Array(readFileSync(join(DIR, `${fx.name}.input.npy`))));
      const expected = parseNpy(new Uint8Array(readFileSync(join(DIR, `${fx.name}.output.npy`))));
      expect([...x.dims]).toEqual(fx.input);
      for (const optimize of [false, true]) {
        const session = await Session.create(loaded, { optimize });
        const inputName = session.inputs[0]?.name as string;
        const out = (await session.run({ [inputName]: x })).logits;
        expect(out, 'logits output').toBeDefined();
        if (!out) return;
        expect([...out.dims]).toEqual(fx.output);
        const err = relativeError(out, expected);
        expect(err, `${fx.name} optimize=${optimize}: relative error ${err}`).toBeLessThanOrEqual(
          MAX_RELATIVE_ERROR,
        );
      }
      // The same graph exported to ONNX runs on onnxruntime and agrees with PyTorch too.
      const ort = (await runOrt(loaded, { [loaded.inputs[0]?.name as string]: x })).logits;
      expect(ort, 'onnxruntime logits').toBeDefined();
      if (ort)
        expect(relativeError(ort, expected), `${fx.name} on onnxruntime`).toBeLessThanOrEqual(
          MAX_RELATIVE_ERROR,
        );
    });
  }

  it('has a fixture for every paper model', () => {
    const covered = new Set(manifest.fixtures.map((f) => f.name));
    expect(PAPER_MODELS.map((m) => m.name).filter((n) => !covered.has(n))).toEqual([]);
  });
});

describe('paper models build at their default config', () => {
  for (const m of PAPER_MODELS) {
    it(`${m.name} builds and shape-infers`, async () => {
      // Let the worker's event loop run between these long synchronous builds (vitest's RPC
      // times out when the worker never yields for a minute).
      await new Promise((resolve) => setTimeout(resolve, 0));
      const graph = m.build();
      const infos = inferShapes(graph);
      const out = graph.outputs[0];
      expect(out).toBeDefined();
      const classes = m.defaults.classes as number;
      if (m.task === 'point-segmentation') {
        expect(out?.shape).toEqual([1, classes, m.defaults.points]);
      } else {
        expect(out?.shape).toEqual([1, classes, ...(m.defaults.inputSize as number[])]);
      }
      expect(infos.get(out?.name as string)?.shape).toEqual(out?.shape);
      expect(m.source).toBe('paper');
    });
  }
});

describe('architecture details', () => {
  const tiny: ZooConfig = { width: 1 / 32, inputSize: [64, 64], classes: 3 };

  it('ksac applies one shared 3x3 weight at every rate', () => {
    const g = model('ksac').build({ ...tiny, rates: [6, 12, 18] });
    const users = g.nodes.filter((n) => n.inputs.includes('ksac.shared'));
    expect(users.map((n) => n.op)).toEqual(['Conv', 'Conv', 'Conv']);
    expect(users.map((n) => n.attrs.dilations)).toEqual([
      [6, 6],
      [12, 12],
      [18, 18],
    ]);
  });

  it('deeplab_v3plus doubles the rates and dilates layer3 at output stride 8', () => {
    const dilationsOf = (os: 8 | 16) => {
      const g = model('deeplab_v3plus_resnet50').build({ ...tiny, outputStride: os });
      const d = (name: string) => g.nodes.find((n) => n.name === name)?.attrs.dilations;
      return [d('backbone.layer3.1.conv2'), d('backbone.layer4.1.conv2'), d('aspp.convs.1.0')];
    };
    expect(dilationsOf(16)).toEqual([
      [1, 1],
      [2, 2],
      [6, 6],
    ]);
    expect(dilationsOf(8)).toEqual([
      [2, 2],
      [4, 4],
      [12, 12],
    ]);
  });

  it('gcn uses k=15 separable large kernels', () => {
    const g = model('gcn').build(tiny);
    const shape = (name: string) => g.initializers.get(name)?.dims;
    expect(shape('gcn5.conv_l1.weight')).toEqual([3, 64, 15, 1]);
    expect(shape('gcn5.conv_l2.weight')).toEqual([3, 3, 1, 15]);
  });

  it('pointnet_seg concatenates 64-d local and 1024-d global features (1088)', () => {
    const g = model('pointnet_seg').build({ points: 16 });
    expect(g.initializers.get('seg_conv1.weight')?.dims).toEqual([512, 1088, 1]);
    expect(g.outputs[0]?.shape).toEqual([1, 50, 16]);
  });

  it('rejects weights of another architecture, naming the mismatches', () => {
    const graph = model('fcn8s').build({ classes: 3, width: 1 / 64, inputSize: [32, 32] });
    const weights = parseSafetensors(new Uint8Array(readFileSync(join(DIR, 'fcn16s.safetensors'))));
    expect(() => loadWeights(graph, weights.tensors)).toThrow(WeightsMismatchError);
    expect(() => loadWeights(graph, weights.tensors)).toThrow(/missing: upscore8\.weight/);
  });

  it('rejects configs the architecture cannot honour with an InputError', () => {
    expect(() => model('fcn8s').build({ outputStride: 8 })).toThrow(InputError);
    expect(() => model('unet').build({ inputSize: [100, 100] })).toThrow(/divisible by 16/);
    expect(() => model('gcn').build({ inputSize: [48, 64] })).toThrow(/divisible by 32/);
    expect(() => model('ksac').build({ classes: 0 })).toThrow(/classes must be a positive integer/);
    expect(() => model('pointnet_seg').build({ outputStride: 8 })).toThrow(/no output stride/);
    expect(() => model('deeplab_v2').build({ rates: [6, 0] })).toThrow(/rates must be positive integers/);
  });
});
