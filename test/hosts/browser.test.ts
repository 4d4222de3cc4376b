import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Session } from '../../src/engine/session.js';
import { Tensor } from '../../src/engine/tensor.js';
import { parseNpy } from '../../src/io/npy.js';
import {
  CHROMIUM,
  CHROMIUM_ARGS,
  chromiumSkipReason,
  loadPlaywright,
  type RepoServer,
  serveRepo,
} from '../helpers/chromium.js';
import { expectClose } from '../helpers/compare.js';

/**
 * Loads the built ESM bundle (dist/index.js) in headless Chromium (Debian's /usr/bin/chromium,
 * driven by playwright-core, SwiftShader WebGPU adapter) and runs an ONNX model on WebGPU.
 */
const playwright = await loadPlaywright();
const skip = chromiumSkipReason(playwright, { 'dist/index.js': 'npm run build' });
if (skip) console.warn(`browser test skipped: ${skip}`);

let server: RepoServer | undefined;
let origin = '';
beforeAll(async () => {
  if (skip) return;
  server = await serveRepo();
  origin = server.origin;
});
afterAll(() => {
  server?.close();
});

/** Runs in the page: imports the bundle, runs the model on WebGPU, returns the output and adapter. */
const PAGE_SCRIPT = `(async ([model, input]) => {
  const atrous = await import('/dist/index.js');
  const adapter = await navigator.gpu.requestAdapter();
  const bytes = new Uint8Array(await (await fetch(model)).arrayBuffer());
  const x = atrous.parseNpy(new Uint8Array(await (await fetch(input)).arrayBuffer()));
  const session = await atrous.Session.create(bytes, { backend: 'webgpu' });
  try {
    const out = await session.run({ [session.inputs[0].name]: x });
    const y = Object.values(out)[0];
    return { adapter: adapter.info.description || adapter.info.vendor, dims: y.dims, data: Array.from(y.data) };
  } finally {
    session.release();
  }
})`;

describe.skipIf(skip !== undefined)('browser host', () => {
  it('Chromium runs the built bundle on WebGPU and matches the ref backend', async () => {
    const model = 'test/fixtures/pytorch/aspp.onnx';
    const input = 'test/fixtures/pytorch/aspp.input.npy';
    const browser = await playwright!.chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS] });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`${origin}/`);
      const got = (await page.evaluate(`${PAGE_SCRIPT}(${JSON.stringify([`/${model}`, `/${input}`])})`)) as {
        adapter: string;
        dims: number[];
        data: number[];
      };
      expect(errors).toEqual([]);
      expect(got.adapter).toMatch(/swiftshader|google/i);
      const ref = await Session.create(new Uint8Array(readFileSync(model)), { backend: 'ref' });
      const x = parseNpy(new Uint8Array(readFileSync(input)));
      const want = (await ref.run({ [ref.inputs[0]?.name as string]: x })).output as Tensor;
      ref.release();
      expect(got.dims).toEqual(want.dims);
      expectClose(
        new Tensor('float32', got.dims, Float32Array.from(got.data)),
        want,
        { atol: 1e-4, rtol: 1e-3 },
        'chromium webgpu vs ref',
      );
    } finally {
      await browser.close();
    }
  });
});
