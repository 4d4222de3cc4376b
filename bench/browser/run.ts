/**
 * `npm run bench:browser`: atrous-webgpu vs onnxruntime-web WebGPU in the same headless Chromium page
 * (Debian's /usr/bin/chromium via playwright-core, WebGPU on SwiftShader unless --adapter says
 * otherwise). Serves the repository on 127.0.0.1 (dist/, kernels/, node_modules/, fixtures; no CDN),
 * opens one fresh page per case, and writes bench/results/<date>-webgpu-browser.{json,md,svg}.
 *
 *   node build/bench-browser/run.js [--only a,b] [--reps N] [--out DIR] [--no-models]
 */
import { existsSync, readFileSync } from 'node:fs';
import { CHROMIUM, CHROMIUM_ARGS, serveRepo } from '../../test/helpers/chromium.js';
import { arg, buildCases, warmUpCase } from './cases.js';
import type { Case, CaseResult } from './compare.js';
import type { CaseSpec } from './page.js';
import { writeReport } from './report.js';

/** Case files served from memory under /__case/. */
const served = new Map<string, Uint8Array>();

function serve(name: string, bytes: Uint8Array): string {
  served.set(name, bytes);
  return `/__case/${name}`;
}

const raw = (d: Float32Array) => new Uint8Array(d.buffer, d.byteOffset, d.byteLength);

/** A built case as the page fetches it: every byte array served under /__case/<i>.*. */
function specOf(c: Case, i: number): CaseSpec {
  const model = serve(`${i}.model`, c.model);
  return {
    name: c.name,
    shape: c.shape,
    gflop: c.gflop,
    model,
    onnx: c.onnx === c.model ? model : serve(`${i}.onnx`, c.onnx),
    expected: c.expected && serve(`${i}.expected`, raw(c.expected)),
    inputs: Object.entries(c.feeds).map(([name, t], k) => ({
      name,
      dims: [...t.dims],
      url: serve(`${i}.in${k}`, raw(Float32Array.from(t.data as Float32Array))),
    })),
  };
}

const PAGE_BODY = `<script type="module">import '/build/bench-browser/page.js'; window.benchReady = true;</script>`;

async function main(): Promise<void> {
  const only = arg('--only')?.split(',').filter(Boolean);
  const reps = Number(arg('--reps') ?? 5);
  const outDir = arg('--out') ?? 'bench/results';
  const cases = (await buildCases(only, !process.argv.includes('--no-models'))).map(specOf);
  const warm = specOf(warmUpCase(), -1);
  for (const need of ['dist/index.js', 'build/bench-browser/page.js', CHROMIUM]) {
    if (!existsSync(need))
      throw new Error(
        `${need} is missing (npm run bench:browser builds it; chromium: apt-get install chromium)`,
      );
  }
  const playwright = await import('playwright-core');
  const server = await serveRepo({ pageBody: PAGE_BODY, memory: served });
  const origin = server.origin;
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
        // Gives atrous' held device back (page.ts: warmUp) before the browser goes.
        await page.evaluate('atrousBench.releaseHold()');
      } finally {
        await browser.close();
      }
    }
    const ortVersion = JSON.parse(readFileSync('node_modules/onnxruntime-web/package.json', 'utf8'))
      .version as string;
    writeReport(
      outDir,
      'webgpu-browser',
      only !== undefined,
      {
        host: `Chromium ${version}`,
        adapter: results[0]?.adapter ?? 'unknown',
        onnxruntimeWeb: ortVersion,
        reps,
        totalSeconds: Math.round((Date.now() - started) / 1000),
      },
      results,
    );
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
