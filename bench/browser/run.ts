/**
 * `npm run bench:browser`: atrous-webgpu vs onnxruntime-web WebGPU in the same headless Chromium page
 * (Debian's /usr/bin/chromium via playwright-core, WebGPU on SwiftShader unless --adapter says
 * otherwise). Serves the repository on 127.0.0.1 (dist/, kernels/, node_modules/, fixtures; no CDN),
 * opens one fresh page per case, and writes bench/results/<date>-webgpu-browser.{json,md,svg}.
 *
 *   node build/bench-browser/run.js [--only a,b] [--reps N] [--out DIR] [--no-models] [--trace] [--page URL]
 *
 * --cpu: no report; per case and side, cold wall ms and the browser's CPU ms (all its processes),
 * atrous' upgrade wait (tiered start-up) and its CPU ms, warm median ms and CPU ms per run (CPU ms
 * are steadier than wall time on a shared machine); then a second cold start of the same case, its
 * shaders already compiled ("again": the cold start's floor).
 * --trace: no report; prints each case's WebGPU calls over a cold run of either side (trace.ts),
 * then atrous' second cold start of the case, every pipeline compiled ('atrous again').
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
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

/** --page: another bundle of page.ts (e.g. one importing a baseline build of the library) for A/B runs. */
/**
 * CPU ms (user + system, all threads) of this process's descendants: the browser and its GPU and
 * renderer processes, where both engines compile and run their shaders on SwiftShader.
 */
function browserCpuMs(): number {
  const parent = new Map<number, number>();
  const ticks = new Map<number, number>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parent.set(Number(d), Number(f[1]));
      ticks.set(Number(d), Number(f[11]) + Number(f[12]));
    } catch {
      // gone meanwhile
    }
  }
  const below = (pid: number): boolean => {
    for (let p = parent.get(pid); p !== undefined && p > 1; p = parent.get(p))
      if (p === process.pid) return true;
    return false;
  };
  let sum = 0;
  for (const [pid, t] of ticks) if (below(pid)) sum += t;
  return sum * 10; // USER_HZ = 100
}

/** --cpu: one line per side: cold wall and browser CPU ms, warm median wall and CPU ms per run. */
async function cpuCase(page: import('playwright-core').Page, spec: CaseSpec, reps: number): Promise<string> {
  const out: string[] = [];
  for (const side of ['atrous', 'ort'] as const) {
    const c0 = browserCpuMs();
    const cold = (await page.evaluate(`atrousBench.coldSide(${JSON.stringify(spec)}, '${side}')`)) as number;
    const c1 = browserCpuMs();
    const upgrade = (await page.evaluate('atrousBench.upgradeSide()')) as number;
    const c1u = browserCpuMs();
    const warm = (await page.evaluate(`atrousBench.warmSide(${reps})`)) as number[];
    const c2 = browserCpuMs();
    const med = [...warm].sort((a, b) => a - b)[Math.floor(warm.length / 2)] ?? 0;
    // The same cold start again, its shaders compiled by the first (what the cold start costs
    // besides compiling: atrous keeps a released session's pipelines for 3 s, onnxruntime-web its
    // programs for the page).
    const again = (await page.evaluate(`atrousBench.coldSide(${JSON.stringify(spec)}, '${side}')`)) as number;
    await page.evaluate('atrousBench.warmSide(0)');
    out.push(
      `${side} cold ${cold.toFixed(0)} ms cpu ${c1 - c0} (again ${again.toFixed(0)})${side === 'atrous' ? ` | upgrade ${upgrade.toFixed(0)} ms cpu ${c1u - c1}` : ''} | warm ${med.toFixed(1)} ms cpu/run ${((c2 - c1u) / Math.max(1, reps)).toFixed(0)}`,
    );
  }
  return `${spec.name}: ${out.join(' || ')} | load ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`;
}

const PAGE_BODY = `<script type="module">import '${arg('--page') ?? '/build/bench-browser/page.js'}'; window.benchReady = true;</script>`;

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
        if (process.argv.includes('--probe')) {
          const text = await page.evaluate(`atrousBench.probe(${reps})`);
          process.stdout.write(`=== probe\n${text}\n`);
          break;
        }
        if (process.argv.includes('--cpu')) {
          process.stdout.write(`${await cpuCase(page, spec, reps)}\n`);
          await page.evaluate('atrousBench.releaseHold()');
          continue;
        }
        if (process.argv.includes('--trace')) {
          const text = await page.evaluate(
            `atrousBench.traceCase(${JSON.stringify(spec)}, ${process.argv.includes('--front')}, ${process.argv.includes('--dump-shaders')})`,
          );
          process.stdout.write(`=== ${spec.name}\n${text}`);
          await page.evaluate('atrousBench.releaseHold()');
          continue;
        }
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
    if (['--trace', '--probe', '--cpu'].some((f) => process.argv.includes(f))) return;
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
