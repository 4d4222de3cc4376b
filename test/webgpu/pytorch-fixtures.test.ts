import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { WebGpuUnsupportedError } from '../../src/engine/backends/webgpu/index.js';
import { Session } from '../../src/engine/session.js';
import { isFloatDType, type Tensor } from '../../src/engine/tensor.js';
import { parseNpy } from '../../src/io/npy.js';
import { expectClose, relativeError } from '../helpers/compare.js';
import { convFeats, webgpuSkipReason } from './helpers.js';

/**
 * The PyTorch-exported fixtures (test/fixtures/pytorch) on the webgpu backend, against PyTorch's
 * outputs, with the same bar as the ref backend's e2e test (relative error <= 1e-3), on the first
 * run and on one after the session's upgrades (tiered start-up). A fixture
 * using an op without a WGSL kernel is skipped, naming the op (prepare throws a typed error).
 */

interface TensorEntry {
  name: string;
  file: string;
}
interface FixtureEntry {
  name: string;
  file: string;
  inputs: TensorEntry[];
  outputs: TensorEntry[];
}

const DIR = fileURLToPath(new URL('../fixtures/pytorch/', import.meta.url));
const manifestPath = join(DIR, 'manifest.json');
const fixtures: FixtureEntry[] = existsSync(manifestPath)
  ? (JSON.parse(readFileSync(manifestPath, 'utf8')) as { fixtures: FixtureEntry[] }).fixtures
  : [];

const skip = await webgpuSkipReason();
if (skip) console.warn(`webgpu tests skipped: ${skip}`);

const npy = (file: string): Tensor => parseNpy(new Uint8Array(readFileSync(join(DIR, file))));

function maxAbs(t: Tensor): number {
  let m = 0;
  for (let i = 0; i < t.size; i++) m = Math.max(m, Math.abs(t.get(i)));
  return m;
}

describe.skipIf(skip !== undefined || fixtures.length === 0)('PyTorch fixtures on webgpu', () => {
  for (const f of fixtures) {
    it(f.name, async (ctx) => {
      let session: Session;
      try {
        session = await Session.create(new Uint8Array(readFileSync(join(DIR, f.file))), {
          backend: 'webgpu',
        });
      } catch (e) {
        if (e instanceof WebGpuUnsupportedError) {
          console.warn(`${f.name}: skipped, ${e.message}`);
          ctx.skip();
        }
        throw e;
      }
      try {
        const feeds = Object.fromEntries(f.inputs.map((i) => [i.name, npy(i.file)]));
        // The first run, then (tiered start-up on a software adapter) one on the upgraded kernels.
        for (const tier of ['', ' (upgraded)']) {
          const got = await session.run(feeds);
          for (const o of f.outputs) {
            const label = `${f.name}:${o.name}${tier}`;
            const want = npy(o.file);
            const actual = got[o.name] as Tensor;
            expect(actual, label).toBeDefined();
            if (!isFloatDType(want.dtype)) {
              expectClose(actual, want, { atol: 0, rtol: 0 }, label);
              continue;
            }
            const rel = relativeError(actual, want);
            expect(rel, `${label} relative error`).toBeLessThanOrEqual(1e-3);
            expectClose(actual, want, { atol: 1e-4 * Math.max(maxAbs(want), 1e-3), rtol: 1e-4 }, label);
          }
          await session.upgraded();
          // One conv_gemm FEAT for the model: the graph scan found every feature its convs use.
          expect(
            convFeats(session.shaders()?.uses ?? []).length,
            `${f.name}: conv_gemm FEATs`,
          ).toBeLessThanOrEqual(1);
        }
      } finally {
        session.release();
      }
    });
  }
});
