import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Session } from '../../src/engine/session.js';
import type { Tensor } from '../../src/engine/tensor.js';
import { importModel } from '../../src/graph/import/index.js';
import type { Graph } from '../../src/graph/ir.js';
import { optimizeGraph } from '../../src/graph/passes/index.js';
import { validateGraph } from '../../src/graph/validate.js';
import { parseNpy } from '../../src/io/npy.js';
import { expectClose } from '../helpers/compare.js';
import { Rng, randomInput } from './ref-oracle.js';
import { differingElements, expectThreadsIdentical } from './threads-helpers.js';

/** The PyTorch fixtures the WASM backend runs (test/wasm/fixtures.test.ts holds the same list). */
const FIXTURES = [
  'dilated_convs',
  'conv_transpose',
  'resize_o11',
  'aspp',
  'unet',
  'fcn',
  'gcn',
  'ksac',
  'pointnet',
  'misc_o13',
  'misc_nofold',
  'tv_lraspp_mnv3_small',
  'tv_deeplabv3_mnv3_small',
];

const DIR = fileURLToPath(new URL('../fixtures/pytorch/', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
interface Fixture {
  name: string;
  file: string;
  inputs: { name: string; file: string }[];
  outputs: { name: string; file: string }[];
}
const manifest = JSON.parse(readFileSync(join(DIR, 'manifest.json'), 'utf8')) as { fixtures: Fixture[] };
const npy = (file: string): Tensor => parseNpy(new Uint8Array(readFileSync(join(DIR, file))));

/** The graph a Session would run: imported, validated, optimized. */
function load(bytes: Uint8Array): Graph {
  const g = importModel(bytes);
  validateGraph(g);
  return optimizeGraph(g);
}

describe('WASM threads on whole models', () => {
  for (const name of FIXTURES) {
    it(`${name}: 2 threads bit-identical to 1`, async () => {
      const f = manifest.fixtures.find((x) => x.name === name) as Fixture;
      const feeds = Object.fromEntries(f.inputs.map((i) => [i.name, npy(i.file)]));
      await expectThreadsIdentical(load(new Uint8Array(readFileSync(join(DIR, f.file)))), feeds, name, 2, []);
    });
  }

  it('Session option threads: 2 gives PyTorch answer and the 1-thread bits (LR-ASPP)', async () => {
    const f = manifest.fixtures.find((x) => x.name === 'tv_lraspp_mnv3_small') as Fixture;
    const bytes = new Uint8Array(readFileSync(join(DIR, f.file)));
    const feeds = Object.fromEntries(f.inputs.map((i) => [i.name, npy(i.file)]));
    const run = async (threads: number) => {
      const s = await Session.create(bytes, { backend: 'wasm', threads });
      try {
        return await s.run(feeds);
      } finally {
        s.release();
      }
    };
    const one = await run(1);
    const two = await run(2);
    for (const o of f.outputs) {
      expect(differingElements(one[o.name] as Tensor, two[o.name] as Tensor), o.name).toBe(0);
      const want = npy(o.file);
      let scale = 0;
      for (let i = 0; i < want.size; i++) scale = Math.max(scale, Math.abs(want.get(i)));
      expectClose(two[o.name] as Tensor, want, { atol: 1e-4 * scale, rtol: 1e-3 }, 'LR-ASPP vs PyTorch');
    }
  });

  const selfie = join(ROOT, 'assets', 'selfie_segmentation.tflite');
  it.skipIf(!existsSync(selfie))(
    'MediaPipe selfie segmentation (TFLite): 2 threads bit-identical to 1',
    async () => {
      const graph = load(new Uint8Array(readFileSync(selfie)));
      const input = graph.inputs.find((i) => !graph.initializers.has(i.name));
      expect(input?.shape).toEqual([1, 256, 256, 3]);
      const x = randomInput(new Rng(11), [1, 256, 256, 3]);
      for (let i = 0; i < x.size; i++) (x.data as Float32Array)[i] = 0.5 + 0.5 * x.get(i);
      await expectThreadsIdentical(graph, { [input?.name as string]: x }, 'selfie', 2, [
        'convNhwc',
        'convDepthwiseNhwc',
      ]);
    },
  );
});
