/**
 * `npm run bench:browser`: atrous-webgpu vs onnxruntime-web WebGPU in the same headless Chromium page
 * (Debian's /usr/bin/chromium via playwright-core, WebGPU on SwiftShader unless --adapter says
 * otherwise). Serves the repository on 127.0.0.1 (dist/, kernels/, node_modules/, fixtures; no CDN),
 * opens one fresh page per case, and writes bench/results/<date>-webgpu-browser.{json,md,svg}.
 *
 *   node build/bench-browser/run.js [--only a,b] [--reps N] [--out DIR] [--no-models]
 */
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve } from 'node:path';
import { exportOnnx, GraphBuilder, importModel, parseNpy, Rng, Session, Tensor } from '../../src/index.js';
import { CHROMIUM, CHROMIUM_ARGS } from '../../test/helpers/chromium.js';
import { selectWorkloads } from '../workloads.js';
import type { CaseResult, CaseSpec } from './page.js';
import { toMarkdown, toSvg } from './report.js';

const WORKLOADS = [
  'dilated3x3',
  'depthwise3x3',
  'pointwise1x1',
  'convtranspose4x4',
  'gcn15',
  'aspp',
  'bilinear8x',
];
/** Whole models: the file atrous loads, and the fixture input (else seeded random inputs). */
const MODELS: { name: string; file: string; input?: string }[] = [
  {
    name: 'lraspp_mnv3',
    file: 'test/fixtures/generated/tv_lraspp_mnv3_full.onnx',
    input: 'test/fixtures/generated/tv_lraspp_mnv3_full.input.npy',
  },
  { name: 'selfie_segmentation', file: 'assets/selfie_segmentation.tflite' },
];

/** The expected first output, from atrous' wasm backend in Node (the numerical check of both sides). */
async function expectedOf(id: string, model: Uint8Array, feeds: Record<string, Tensor>): Promise<string> {
  const s = await Session.create(model, { backend: 'wasm' });
  try {
    const out = await s.run(feeds);
    return serve(`${id}.expected`, raw(out[s.outputs[0]?.name as string] as Tensor));
  } finally {
    s.release();
  }
}

/** Case files served from memory under /__case/. */
const served = new Map<string, Uint8Array>();

function serve(name: string, bytes: Uint8Array): string {
  served.set(name, bytes);
  return `/__case/${name}`;
}

function raw(t: Tensor): Uint8Array {
  const d = Float32Array.from(t.data as Float32Array);
  return new Uint8Array(d.buffer);
}

function inputsOf(id: string, feeds: Record<string, Tensor>): CaseSpec['inputs'] {
  return Object.entries(feeds).map(([name, t], i) => ({
    name,
    dims: [...t.dims],
    url: serve(`${id}.in${i}`, raw(t)),
  }));
}

async function workloadCase(name: string, size: 'full' | 'tiny'): Promise<CaseSpec> {
  const [w] = selectWorkloads([name]);
  const b = (w as NonNullable<typeof w>).build(size);
  const bytes = exportOnnx(b.graph);
  const onnx = serve(`${name}-${size}.onnx`, bytes);
  const expected = await expectedOf(`${name}-${size}`, bytes, b.feeds);
  return {
    name,
    shape: b.shape,
    gflop: b.gflop,
    model: onnx,
    onnx,
    expected,
    inputs: inputsOf(`${name}-${size}`, b.feeds),
  };
}

async function modelCase(m: (typeof MODELS)[number]): Promise<CaseSpec | undefined> {
  if (!existsSync(m.file)) return undefined;
  const bytes = new Uint8Array(readFileSync(m.file));
  const graph = importModel(bytes);
  const onnx = m.file.endsWith('.onnx') ? `/${m.file}` : serve(`${m.name}.onnx`, exportOnnx(graph));
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
  const expected = await expectedOf(m.name, bytes, feeds);
  return {
    name: m.name,
    shape: `input ${shape}`,
    model: `/${m.file}`,
    onnx,
    expected,
    inputs: inputsOf(m.name, feeds),
  };
}

const ROOT = resolve('.');
const TYPES: Record<string, string> = {
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.wasm': 'application/wasm',
  '.wgsl': 'text/plain',
  '.html': 'text/html',
  '.map': 'application/json',
};
// dist/index.js keeps bare imports: an import map points them at node_modules (or a shim).
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
const PAGE = `<!doctype html><title>atrous webgpu bench</title>
<script src="/node_modules/protobufjs/dist/protobuf.min.js"></script>
<script type="importmap">${JSON.stringify(IMPORT_MAP)}</script>
<script type="module">import '/build/bench-browser/page.js'; window.benchReady = true;</script>`;

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const only = arg('--only')?.split(',').filter(Boolean);
  const reps = Number(arg('--reps') ?? 5);
  const outDir = arg('--out') ?? 'bench/results';
  const models = process.argv.includes('--no-models') ? [] : MODELS;
  const names = [...WORKLOADS, ...models.map((m) => m.name)].filter((c) => !only || only.includes(c));
  const cases: CaseSpec[] = [];
  for (const name of names) {
    const m = models.find((x) => x.name === name);
    const spec = m ? await modelCase(m) : await workloadCase(name, 'full');
    if (spec) cases.push(spec);
    else process.stderr.write(`${name}: ${m?.file} is missing, skipped\n`);
  }
  // Untimed warm-up in every fresh browser: one Relu, so the first timed cold run of either side
  // does not pay one-time runtime start-up (onnxruntime-web's wasm, fetching kernel sources).
  const wb = new GraphBuilder('warmup');
  wb.output(wb.op('Relu', [wb.input('x', [1, 4, 8, 8])]));
  const warmOnnx = serve('warmup.onnx', exportOnnx(wb.build()));
  const warmX = new Tensor('float32', [1, 4, 8, 8], new Rng(1).floats(256, -1, 1));
  const warm: CaseSpec = {
    name: 'warmup',
    shape: '',
    model: warmOnnx,
    onnx: warmOnnx,
    inputs: inputsOf('warmup', { x: warmX }),
  };
  for (const need of ['dist/index.js', 'build/bench-browser/page.js', CHROMIUM]) {
    if (!existsSync(need))
      throw new Error(
        `${need} is missing (npm run bench:browser builds it; chromium: apt-get install chromium)`,
      );
  }
  const playwright = await import('playwright-core');
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x').pathname;
    const path = normalize(join(ROOT, decodeURIComponent(url)));
    const shim = url.startsWith('/__shim/') ? SHIMS[url.slice(8)] : undefined;
    const mem = url.startsWith('/__case/') ? served.get(url.slice(8)) : undefined;
    if (mem) res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(mem);
    else if (url === '/') res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
    else if (shim !== undefined) res.writeHead(200, { 'content-type': 'text/javascript' }).end(shim);
    else if (path.startsWith(`${ROOT}/`) && statSync(path, { throwIfNoEntry: false })?.isFile()) {
      res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream' });
      res.end(readFileSync(path));
    } else res.writeHead(404).end();
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const results: CaseResult[] = [];
  const started = Date.now();
  let version = '';
  try {
    // A fresh browser (fresh profile, empty shader caches) per case: every cold run compiles from scratch.
    for (const spec of cases) {
      const browser = await playwright.chromium.launch({
        executablePath: CHROMIUM,
        args: [...CHROMIUM_ARGS],
      });
      try {
        version = browser.version();
        const page = await browser.newPage();
        page.on('pageerror', (e) => process.stderr.write(`  page error: ${e.message}\n`));
        await page.goto(`${origin}/`);
        await page.waitForFunction('window.benchReady === true', undefined, { timeout: 60_000 });
        await page.evaluate(`atrousBench.warmUp(${JSON.stringify(warm)})`);
        process.stderr.write(`${spec.name} ...`);
        const t = Date.now();
        const r = (await page.evaluate(
          `atrousBench.runCase(${JSON.stringify(spec)}, ${reps})`,
        )) as CaseResult;
        process.stderr.write(` ${((Date.now() - t) / 1000).toFixed(0)} s\n`);
        results.push(r);
      } finally {
        await browser.close();
      }
    }
    const date = new Date().toISOString().slice(0, 10);
    const meta = {
      date,
      chromium: version,
      adapter: results[0]?.adapter ?? 'unknown',
      onnxruntimeWeb: JSON.parse(readFileSync('node_modules/onnxruntime-web/package.json', 'utf8'))
        .version as string,
      reps,
      totalSeconds: Math.round((Date.now() - started) / 1000),
    };
    mkdirSync(outDir, { recursive: true });
    const base = join(outDir, `${date}-webgpu-browser${only ? '-partial' : ''}`);
    writeFileSync(`${base}.json`, `${JSON.stringify({ ...meta, results }, null, 2)}\n`);
    const md = toMarkdown(meta, results);
    writeFileSync(`${base}.md`, md);
    writeFileSync(`${base}.svg`, toSvg(results));
    process.stdout.write(md);
    process.stderr.write(`wrote ${base}.{json,md,svg}\n`);
  } finally {
    server.close();
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`${(e as Error).stack ?? e}\n`);
    process.exit(1);
  },
);
