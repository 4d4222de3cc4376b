import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Session } from '../../src/engine/session.js';
import type { Graph } from '../../src/graph/ir.js';
import { readBytes } from '../../src/io/node.js';
import { parseNpy } from '../../src/io/npy.js';
import { TORCHVISION_MODELS } from '../../src/zoo/torchvision/index.js';
import type { ZooModel } from '../../src/zoo/types.js';
import { countParameters, loadWeights, parseSafetensors } from '../../src/zoo/weights/index.js';
import { relativeError } from '../helpers/compare.js';

/**
 * The torchvision-compatible zoo models against torchvision 0.14 itself:
 * - names and shapes: test/fixtures/zoo/torchvision-keys.json, written by
 *   `OMP_NUM_THREADS=2 /usr/bin/python3 scripts/make-zoo-fixtures.py --keys-only`;
 * - numerics: random weights, inputs and PyTorch outputs in test/fixtures/generated/zoo (gitignored,
 *   up to 240 MB of weights), written by `OMP_NUM_THREADS=2 /usr/bin/python3 scripts/make-zoo-fixtures.py`.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
// ATROUS_ZOO_FIXTURES: another directory the script wrote (`--out DIR`, e.g. with `--f16`).
const GENERATED = process.env.ATROUS_ZOO_FIXTURES ?? join(ROOT, 'test/fixtures/generated/zoo');
const FIXTURE_CMD = 'OMP_NUM_THREADS=2 /usr/bin/python3 scripts/make-zoo-fixtures.py';

interface KeysFile {
  classes: number;
  models: Record<string, { aux: boolean; params: number; paramsAux: number; keys: Record<string, number[]> }>;
}
const KEYS = JSON.parse(
  readFileSync(join(ROOT, 'test/fixtures/zoo/torchvision-keys.json'), 'utf8'),
) as KeysFile;

/**
 * sum(p.numel() for p in m.parameters()) at 21 classes, read from torchvision 0.14 with
 *   m = torchvision.models.segmentation.<name>(weights=None, weights_backbone=None, num_classes=21, aux_loss=AUX)
 * [aux off, aux on]. The published numbers (3.2 M, 11.0 M, 35.3 M, 42.0 M...) count the aux head
 * for the ResNet models.
 */
const TORCHVISION_PARAMS: Record<string, [number, number | null]> = {
  lraspp_mobilenet_v3_large: [3221538, null],
  deeplabv3_mobilenet_v3_large: [11025477, 11029328],
  fcn_resnet50: [32957013, 35322218],
  fcn_resnet101: [51949141, 54314346],
  deeplabv3_resnet50: [39638869, 42004074],
  deeplabv3_resnet101: [58630997, 60996202],
};

/** Parameters as PyTorch counts them, straight from the initializer names. */
function ownCount(graph: Graph): number {
  let n = 0;
  for (const [name, t] of graph.initializers) if (!/\.running_(mean|var)$/.test(name)) n += t.size;
  return n;
}

/** Lets vitest's worker answer its RPCs between the long synchronous steps (build, parse, run). */
const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

function shapesOf(graph: Graph): Record<string, number[]> {
  return Object.fromEntries([...graph.initializers].map(([name, t]) => [name, [...t.dims]]));
}

function byName(name: string): ZooModel {
  const m = TORCHVISION_MODELS.find((z) => z.name === name);
  if (!m) throw new Error(`no zoo model ${name}`);
  return m;
}

describe('torchvision zoo models: names, shapes and parameter counts', () => {
  it('registers the six torchvision segmentation models', () => {
    expect(TORCHVISION_MODELS.map((m) => m.name).sort()).toEqual(Object.keys(TORCHVISION_PARAMS).sort());
    for (const m of TORCHVISION_MODELS) expect(m.source).toBe('torchvision');
  });

  for (const [name, [plain, withAux]] of Object.entries(TORCHVISION_PARAMS)) {
    it(`${name}: state_dict keys/shapes and parameter count equal torchvision's`, () => {
      const model = byName(name);
      const expected = KEYS.models[name];
      expect(expected, `${name} in torchvision-keys.json`).toBeDefined();
      if (!expected) return;
      const all = expected.keys;
      const noAux = Object.fromEntries(Object.entries(all).filter(([k]) => !k.startsWith('aux_classifier.')));
      // Small input: the parameters do not depend on it.
      const g = model.build({ inputSize: [32, 32] });
      expect(shapesOf(g)).toEqual(noAux);
      expect(ownCount(g)).toBe(plain);
      expect(countParameters(g)).toBe(plain);
      expect(expected.params).toBe(plain);
      expect(g.outputs.map((o) => [o.name, o.shape])).toEqual([['out', [1, 21, 32, 32]]]);
      if (withAux !== null) {
        const ga = model.build({ inputSize: [32, 40], aux: true });
        expect(shapesOf(ga)).toEqual(all);
        expect(ownCount(ga)).toBe(withAux);
        expect(expected.paramsAux).toBe(withAux);
        expect(ga.outputs.map((o) => [o.name, o.shape])).toEqual([
          ['out', [1, 21, 32, 40]],
          ['aux', [1, 21, 32, 40]],
        ]);
      }
    }, 60_000);
  }

  it('honours classes and inputSize', () => {
    const g = byName('deeplabv3_mobilenet_v3_large').build({ classes: 5, inputSize: [24, 40], aux: true });
    expect(g.outputs.map((o) => [o.name, o.shape])).toEqual([
      ['out', [1, 5, 24, 40]],
      ['aux', [1, 5, 24, 40]],
    ]);
    expect(g.initializers.get('classifier.4.weight')?.dims).toEqual([5, 256, 1, 1]);
    expect(g.initializers.get('aux_classifier.4.weight')?.dims).toEqual([5, 10, 1, 1]);
  });

  it('places strides and dilations as torchvision does (output stride 8 / 16, ASPP rates)', () => {
    const attrsOf = (g: Graph, node: string) => {
      const n = g.nodes.find((x) => x.name === node);
      return n ? [n.attrs.strides, n.attrs.dilations] : undefined;
    };
    // replace_stride_with_dilation [False, True, True]: layer3 and layer4 keep stride 1.
    const os8 = byName('deeplabv3_resnet50').build({ inputSize: [32, 32], rates: [6, 12, 18] });
    expect(attrsOf(os8, 'backbone.layer2.0.conv2')).toEqual([
      [2, 2],
      [1, 1],
    ]);
    expect(attrsOf(os8, 'backbone.layer3.0.conv2')).toEqual([
      [1, 1],
      [1, 1],
    ]);
    expect(attrsOf(os8, 'backbone.layer3.1.conv2')).toEqual([
      [1, 1],
      [2, 2],
    ]);
    expect(attrsOf(os8, 'backbone.layer4.0.conv2')).toEqual([
      [1, 1],
      [2, 2],
    ]);
    expect(attrsOf(os8, 'backbone.layer4.2.conv2')).toEqual([
      [1, 1],
      [4, 4],
    ]);
    expect(attrsOf(os8, 'classifier.0.convs.3.0')).toEqual([
      [1, 1],
      [18, 18],
    ]);
    const os16 = byName('deeplabv3_resnet50').build({ inputSize: [32, 32], outputStride: 16 });
    expect(attrsOf(os16, 'backbone.layer3.0.conv2')).toEqual([
      [2, 2],
      [1, 1],
    ]);
    expect(attrsOf(os16, 'backbone.layer4.0.conv2')).toEqual([
      [1, 1],
      [1, 1],
    ]);
    expect(attrsOf(os16, 'backbone.layer4.1.conv2')).toEqual([
      [1, 1],
      [2, 2],
    ]);
    expect(attrsOf(os16, 'classifier.0.convs.1.0')).toEqual([
      [1, 1],
      [12, 12],
    ]);
    // dilated=True MobileNetV3: the C4 blocks (features 13-15) depthwise at stride 1, dilation 2.
    const mb = byName('lraspp_mobilenet_v3_large').build({ inputSize: [32, 32] });
    expect(attrsOf(mb, 'backbone.13.block.1.0')).toEqual([
      [1, 1],
      [2, 2],
    ]);
    expect(attrsOf(mb, 'backbone.15.block.1.0')).toEqual([
      [1, 1],
      [2, 2],
    ]);
    expect(attrsOf(mb, 'backbone.7.block.1.0')).toEqual([
      [2, 2],
      [1, 1],
    ]);
  }, 60_000);

  it('rejects configurations torchvision has no model for', () => {
    expect(() => byName('lraspp_mobilenet_v3_large').build({ aux: true })).toThrow(/no auxiliary head/);
    expect(() => byName('deeplabv3_mobilenet_v3_large').build({ outputStride: 8 })).toThrow(/outputStride/);
    expect(() => byName('fcn_resnet50').build({ classes: 0 })).toThrow(/classes/);
    expect(() => byName('fcn_resnet50').build({ outputStride: 4 as 8 })).toThrow(
      /outputStride must be 8, 16 or 32/,
    );
    expect(() => byName('fcn_resnet50').build({ inputSize: [0, 10] })).toThrow(/inputSize/);
  });

  it('builds with a seed: same seed, same weights; another seed, other weights', () => {
    const m = byName('lraspp_mobilenet_v3_large');
    const key = 'classifier.high_classifier.weight';
    const a = m.build({ inputSize: [32, 32], seed: 3 }).initializers.get(key)?.data;
    const b = m.build({ inputSize: [32, 32], seed: 3 }).initializers.get(key)?.data;
    const c = m.build({ inputSize: [32, 32], seed: 4 }).initializers.get(key)?.data;
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });
});

interface ManifestEntry {
  inputSize: [number, number];
  classes: number;
  aux: boolean;
  weights: string;
  input: string;
}
const manifestPath = join(GENERATED, 'manifest.json');
const manifest = existsSync(manifestPath)
  ? (JSON.parse(readFileSync(manifestPath, 'utf8')) as { models: Record<string, ManifestEntry> })
  : { models: {} as Record<string, ManifestEntry> };

describe('torchvision zoo models match PyTorch (random weights, ref backend)', () => {
  for (const name of Object.keys(TORCHVISION_PARAMS)) {
    const entry = manifest.models[name];
    const present = entry !== undefined && existsSync(join(GENERATED, entry.weights));
    it.skipIf(!present)(
      `${name} (needs \`${FIXTURE_CMD} --models ${name}\`)`,
      async () => {
        if (!entry) return;
        const graph = byName(name).build({
          inputSize: entry.inputSize,
          classes: entry.classes,
          aux: entry.aux,
        });
        await tick();
        const weights = parseSafetensors(await readBytes(join(GENERATED, entry.weights))).tensors;
        await tick();
        const loaded = loadWeights(graph, weights);
        const input = parseNpy(await readBytes(join(GENERATED, entry.input)));
        const session = await Session.create(loaded, { backend: 'ref', optimize: true });
        await tick();
        const result = await session.run({ input });
        for (const head of entry.aux ? ['out', 'aux'] : ['out']) {
          const expected = parseNpy(await readBytes(join(GENERATED, `${name}.${head}.npy`)));
          const actual = result[head];
          expect(actual, head).toBeDefined();
          if (!actual) return;
          expect([...actual.dims]).toEqual([...expected.dims]);
          expect(relativeError(actual, expected), `${name} ${head} relative error`).toBeLessThanOrEqual(1e-3);
        }
      },
      300_000,
    );
  }
});
