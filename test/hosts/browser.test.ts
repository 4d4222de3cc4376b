import { readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Session } from '../../src/engine/session.js';
import { Tensor } from '../../src/engine/tensor.js';
import { parseNpy } from '../../src/io/npy.js';
import { CHROMIUM, CHROMIUM_ARGS, chromiumSkipReason, loadPlaywright } from '../helpers/chromium.js';
import { expectClose } from '../helpers/compare.js';

/**
 * Loads the built ESM bundle (dist/index.js) in headless Chromium (Debian's /usr/bin/chromium,
 * driven by playwright-core, SwiftShader WebGPU adapter) and runs an ONNX model on WebGPU.
 */
const ROOT = resolve('.');
const TYPES: Record<string, string> = {
  '.js': 'text/javascript',
  '.wgsl': 'text/plain',
  '.html': 'text/html',
  '.onnx': 'application/octet-stream',
  '.npy': 'application/octet-stream',
  '.map': 'application/json',
};

const playwright = await loadPlaywright();
const skip = chromiumSkipReason(playwright, { 'dist/index.js': 'npm run build' });
if (skip) console.warn(`browser test skipped: ${skip}`);

/**
 * dist/index.js keeps its dependencies as bare imports (and has no node:* imports: Node-only code is
 * in the 'atrous/node' entry), so the page needs an import map: ESM packages from node_modules,
 * protobufjs's browser build as a global, and a stub for jpeg-js (CommonJS; not used here).
 */
const SHIMS: Record<string, string> = {
  'protobufjs.js': 'export default globalThis.protobuf;',
  'jpeg-js.js': "export default { decode() { throw new Error('jpeg-js is not loaded in this page'); } };",
};
const IMPORT_MAP = {
  imports: {
    protobufjs: '/__shim/protobufjs.js',
    'jpeg-js': '/__shim/jpeg-js.js',
    'fast-png': '/node_modules/fast-png/lib/index.js',
    iobuffer: '/node_modules/iobuffer/lib/iobuffer.js',
    fflate: '/node_modules/fflate/esm/browser.js',
    flatbuffers: '/node_modules/flatbuffers/mjs/flatbuffers.js',
  },
};
const PAGE = `<!doctype html><title>atrous</title>
<script src="/node_modules/protobufjs/dist/protobuf.min.js"></script>
<script type="importmap">${JSON.stringify(IMPORT_MAP)}</script>`;

/** Serves the repository (dist/, kernels/, test/fixtures/, node_modules/) read-only on 127.0.0.1. */
let server: Server | undefined;
let origin = '';
beforeAll(async () => {
  if (skip) return;
  server = createServer((req, res) => {
    const path = normalize(join(ROOT, decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)));
    const shim = req.url?.startsWith('/__shim/') ? SHIMS[req.url.slice(8)] : undefined;
    if (req.url === '/') {
      res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
    } else if (shim !== undefined) {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(shim);
    } else if (path.startsWith(`${ROOT}/`) && statSync(path, { throwIfNoEntry: false })?.isFile()) {
      res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream' });
      res.end(readFileSync(path));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((ok) => server?.listen(0, '127.0.0.1', ok));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
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
