import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Session } from '../../src/engine/session.js';
import type { Tensor } from '../../src/engine/tensor.js';
import { parseNpy } from '../../src/io/npy.js';
import { expectClose } from '../helpers/compare.js';

/**
 * examples/deno/run.ts imports the built package (dist/index.js) and runs an ONNX model on Deno's
 * navigator.gpu (Mesa lavapipe on machines without a GPU). Deno comes from the `deno` devDependency.
 */
const DENO = 'node_modules/.bin/deno';
const env = { ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp', NO_COLOR: '1' };

function skipReason(): string | undefined {
  if (!existsSync(DENO)) return `${DENO} is missing (npm install --save-dev deno)`;
  if (!existsSync('dist/index.js')) return 'dist/index.js is missing (npm run build)';
  const probe = spawnSync(
    DENO,
    ['eval', 'const a = await navigator.gpu?.requestAdapter(); Deno.exit(a ? 0 : 3)'],
    { env, encoding: 'utf8', timeout: 30_000 },
  );
  if (probe.status === 3)
    return 'Deno finds no WebGPU adapter (apt-get install mesa-vulkan-drivers libvulkan1)';
  if (probe.status !== 0) return `deno does not run: ${probe.stderr || probe.error?.message}`;
  return undefined;
}

const skip = skipReason();
if (skip) console.warn(`deno test skipped: ${skip}`);

const dir = mkdtempSync(join(tmpdir(), 'atrous-deno-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(skip !== undefined)('Deno host', () => {
  it('examples/deno/run.ts runs an ONNX model on WebGPU and matches the ref backend', async () => {
    const model = 'test/fixtures/pytorch/aspp.onnx';
    const input = 'test/fixtures/pytorch/aspp.input.npy';
    const out = join(dir, 'y.npy');
    const r = spawnSync(DENO, ['run', '-A', 'examples/deno/run.ts', model, input, out], {
      env,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('ran on webgpu (deno)');
    const got = parseNpy(new Uint8Array(readFileSync(out)));
    const ref = await Session.create(new Uint8Array(readFileSync(model)), { backend: 'ref' });
    const want = (
      await ref.run({ [ref.inputs[0]?.name as string]: parseNpy(new Uint8Array(readFileSync(input))) })
    ).output as Tensor;
    ref.release();
    expect(got.dims).toEqual(want.dims);
    expectClose(got, want, { atol: 1e-4, rtol: 1e-3 }, 'deno webgpu vs ref');
  });
});
