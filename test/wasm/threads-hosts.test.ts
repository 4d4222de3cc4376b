import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Session } from '../../src/engine/session.js';
import { Tensor } from '../../src/engine/tensor.js';
import { parseNpy } from '../../src/io/npy.js';
import {
  CHROMIUM,
  chromiumSkipReason,
  loadPlaywright,
  type RepoServer,
  serveRepo,
} from '../helpers/chromium.js';
import { differingElements } from './threads-helpers.js';

/**
 * The built package (dist/, build/atrous-mt.wasm, dist/wasm-worker.js) runs threaded sessions in
 * other hosts: Deno (Web Workers, no isolation needed) and headless Chromium on a cross-origin
 * isolated page (COOP/COEP headers; the page's main thread spins instead of blocking), and falls
 * back to one thread, with one warning, on a page that is not isolated. Each answer must be
 * bit-identical to Node's one-thread answer.
 */
const MODEL = 'test/fixtures/pytorch/tv_lraspp_mnv3_small.onnx';
const INPUT = 'test/fixtures/pytorch/tv_lraspp_mnv3_small.input.npy';
const DENO = 'node_modules/.bin/deno';
const built = existsSync('dist/wasm-worker.js') && existsSync('build/atrous-mt.wasm');

async function nodeOneThread(): Promise<Tensor> {
  const s = await Session.create(new Uint8Array(readFileSync(MODEL)), { backend: 'wasm' });
  try {
    const x = parseNpy(new Uint8Array(readFileSync(INPUT)));
    return Object.values(await s.run({ [s.inputs[0]?.name as string]: x }))[0] as Tensor;
  } finally {
    s.release();
  }
}

const DENO_SCRIPT = `
import { Session, parseNpy } from './dist/index.js';
const s = await Session.create(await Deno.readFile('${MODEL}'), { backend: 'wasm', threads: 2 });
const y = Object.values(await s.run({ [s.inputs[0].name]: parseNpy(await Deno.readFile('${INPUT}')) }))[0];
s.release();
console.log(JSON.stringify({ dims: y.dims, data: Array.from(y.data) }));
`;

describe.skipIf(!built || !existsSync(DENO))('WASM threads in Deno', () => {
  it('threads: 2 loads the worker script, matches Node bit for bit, and exits', async () => {
    const r = spawnSync(DENO, ['eval', '--ext=js', DENO_SCRIPT], {
      env: { ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp', NO_COLOR: '1' },
      encoding: 'utf8',
      timeout: 120_000,
      maxBuffer: 1 << 26,
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const got = JSON.parse(r.stdout) as { dims: number[]; data: number[] };
    const want = await nodeOneThread();
    expect(differingElements(want, new Tensor('float32', got.dims, Float32Array.from(got.data)))).toBe(0);
  });
});

const playwright = await loadPlaywright();
const browserSkip = !built || chromiumSkipReason(playwright) !== undefined;

const ISOLATION = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
};

let server: RepoServer | undefined;
let origin = '';
/** Whether responses carry COOP/COEP (the page and its worker script both need them). */
let isolate = false;
beforeAll(async () => {
  if (browserSkip) return;
  server = await serveRepo({ headers: () => (isolate ? ISOLATION : {}) });
  origin = server.origin;
});
afterAll(() => {
  server?.close();
});

const PAGE_SCRIPT = `(async ([model, input]) => {
  const atrous = await import('/dist/index.js');
  const get = async (u) => new Uint8Array(await (await fetch(u)).arrayBuffer());
  atrous.setAtrousWasmBytes(await get('/build/atrous.wasm'), await get('/build/atrous-mt.wasm'));
  const warnings = [];
  console.warn = (...a) => warnings.push(a.join(' '));
  const runs = [];
  for (let i = 0; i < 2; i++) {
    const s = await atrous.Session.create(await get(model), { backend: 'wasm', threads: 2 });
    const y = Object.values(await s.run({ [s.inputs[0].name]: atrous.parseNpy(await get(input)) }))[0];
    s.release();
    runs.push({ dims: y.dims, data: Array.from(y.data) });
  }
  return { isolated: globalThis.crossOriginIsolated, warnings, runs };
})`;

interface PageResult {
  isolated: boolean;
  warnings: string[];
  runs: { dims: number[]; data: number[] }[];
}

describe.skipIf(browserSkip)('WASM threads in Chromium', () => {
  for (const isolated of [true, false]) {
    it(
      isolated
        ? 'a cross-origin isolated page runs 2 threads, bit-identical to Node'
        : 'a page without isolation falls back to one thread, warning once',
      async () => {
        const browser = await playwright!.chromium.launch({
          executablePath: CHROMIUM,
          args: ['--headless=new', '--no-sandbox', '--no-first-run', '--disable-background-networking'],
        });
        try {
          const page = await browser.newPage();
          const errors: string[] = [];
          page.on('pageerror', (e) => errors.push(e.message));
          isolate = isolated;
          await page.goto(`${origin}/`);
          const got = (await page.evaluate(
            `${PAGE_SCRIPT}(${JSON.stringify([`/${MODEL}`, `/${INPUT}`])})`,
          )) as PageResult;
          expect(errors).toEqual([]);
          expect(got.isolated).toBe(isolated);
          if (isolated) expect(got.warnings).toEqual([]);
          else {
            expect(got.warnings).toHaveLength(1);
            expect(got.warnings[0]).toMatch(/cross-origin isolat.*one thread/);
          }
          const want = await nodeOneThread();
          for (const run of got.runs) {
            expect(
              differingElements(want, new Tensor('float32', run.dims, Float32Array.from(run.data))),
            ).toBe(0);
          }
        } finally {
          await browser.close();
        }
      },
    );
  }
});
