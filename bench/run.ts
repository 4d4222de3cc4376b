// `npm run bench [-- --quick] [-- --only aspp,gcn15]`: kernel workloads and two whole models on
// atrous backends and on onnxruntime-web wasm (1 and 2 threads, each in its own child process);
// atrous wasm also runs at every ORT thread count above 1. Table on stdout, progress on stderr,
// results under bench/results/.
import { fork } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { BackendName } from '../src/index.js';
import { agreement, atrousLabel, message, ortLabel, type RunOutcome, runAtrous } from './harness.js';
import type { WorkerArgs, WorkerMessage } from './ort-worker.js';
import { footnotes, markdownTable, REL_ERR_FLAG, type Row, svgChart } from './report.js';
import { TIMING, type TimingOptions } from './timing.js';
import { type BuiltWorkload, type SizeName, selectWorkloads } from './workloads.js';

const USAGE = `usage: npm run bench -- [--quick] [--only a,b] [--size full|tiny] [--backends ref,wasm,webgpu]
                        [--ort-threads 1,2] [--out dir]`;

const { values: opts } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string', multiple: true, default: [] },
    size: { type: 'string', default: 'full' },
    backends: { type: 'string', default: 'ref,wasm,webgpu' },
    'ort-threads': { type: 'string', default: '1,2' },
    out: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});

const list = (s: string) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

function log(line: string): void {
  process.stderr.write(`[bench] ${line}\n`);
}

/** Runs every selected workload in one child process with `threads` ORT threads. */
function runOrtChild(args: WorkerArgs): Promise<{ outcomes: Map<string, RunOutcome>; version: string }> {
  const outcomes = new Map<string, RunOutcome>();
  let version = 'unknown';
  return new Promise((resolve) => {
    const child = fork(new URL('./ort-worker.js', import.meta.url), [JSON.stringify(args)], {
      serialization: 'advanced', // structured clone: Float32Array outputs arrive intact
      stdio: ['ignore', 2, 'inherit', 'ipc'], // keep stdout for the table
    });
    child.on('message', (m: WorkerMessage) => {
      outcomes.set(m.workload, m.outcome);
      version = m.ortVersion;
    });
    child.on('exit', (code, signal) => {
      if (code !== 0) {
        const why = `ort worker exited with ${signal ?? `code ${code}`}`;
        for (const name of args.only)
          if (!outcomes.has(name)) outcomes.set(name, { status: 'failed', reason: why });
      }
      resolve({ outcomes, version });
    });
  });
}

function toRow(built: Pick<BuiltWorkload, 'name' | 'shape' | 'gflop'>, backend: string, o: RunOutcome): Row {
  const row: Row = {
    workload: built.name,
    shape: built.shape,
    gflop: built.gflop,
    backend,
    status: o.status,
    flagged: false,
  };
  if (o.status !== 'ok') return { ...row, reason: o.reason };
  const t = o.timing;
  return {
    ...row,
    medianMs: t.medianMs,
    gflops: built.gflop / (t.medianMs / 1000),
    samples: t.samples,
    rmePct: t.rmePct,
    cpuPerWall: t.cpuPerWall,
    threadLoads: t.threadLoads,
  };
}

function today(): string {
  const d = new Date();
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

async function main(): Promise<number> {
  if (opts.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const size = opts.size as SizeName;
  if (size !== 'full' && size !== 'tiny') throw new Error(`--size must be full or tiny\n${USAGE}`);
  const workloads = selectWorkloads(opts.only.flatMap(list));
  const names = workloads.map((w) => w.name);
  const backends = list(opts.backends) as BackendName[];
  const threads = list(opts['ort-threads']).map(Number);
  const timing: TimingOptions = opts.quick ? TIMING.quick : TIMING.full;
  const loadAverageAtStart = os.loadavg();
  const load = loadAverageAtStart[0] ?? 0;
  if (load > os.cpus().length / 2)
    log(`warning: load average ${load.toFixed(2)}; other processes will skew timings`);
  log(
    `${workloads.length} workloads (${size} sizes), atrous ${backends.join('/')}, ort threads ${threads.join('/')}`,
  );

  // onnxruntime first, one process per thread count.
  const ort = new Map<number, Map<string, RunOutcome>>();
  let ortVersion = 'unknown';
  for (const t of threads) {
    log(`starting ${ortLabel(t)} worker`);
    const r = await runOrtChild({ threads: t, only: names, size, timing });
    ort.set(t, r.outcomes);
    ortVersion = r.version;
  }

  const rows: Row[] = [];
  for (const w of workloads) {
    let built: BuiltWorkload;
    try {
      built = w.build(size);
    } catch (e) {
      const reason = `graph does not build: ${message(e)}`;
      rows.push({
        workload: w.name,
        shape: '?',
        gflop: Number.NaN,
        backend: '*',
        status: 'failed',
        reason,
        flagged: false,
      });
      continue;
    }
    log(`${w.name}: ${built.shape}, ${built.gflop.toPrecision(3)} GFLOP`);
    const outcomes = new Map<string, RunOutcome>();
    for (const b of backends) {
      log(`${w.name} on ${b}`);
      outcomes.set(b, await runAtrous(built, b, timing));
      // Threads split the wasm backend's kernels; compare with ORT at the same thread count.
      if (b !== 'wasm') continue;
      for (const t of threads.filter((n) => n > 1)) {
        log(`${w.name} on ${atrousLabel(b, t)}`);
        outcomes.set(atrousLabel(b, t), await runAtrous(built, b, timing, t));
      }
    }
    for (const t of threads) {
      outcomes.set(ortLabel(t), ort.get(t)?.get(w.name) ?? { status: 'failed', reason: 'not run' });
    }
    const ortBase = outcomes.get(ortLabel(1));
    const refOut = outcomes.get('ref');
    /** ORT's median at `t` threads, the base of the equal-threads ratio. */
    const ortMs = (t: number) => {
      const o = outcomes.get(ortLabel(t));
      return o?.status === 'ok' ? o.timing.medianMs : undefined;
    };
    for (const [backend, o] of outcomes) {
      const row = toRow(built, backend, o);
      if (o.status === 'ok') {
        const isOrt = backend.startsWith('ort-');
        const baseMs = ortMs(Number(/-(\d+)t$/.exec(backend)?.[1] ?? 1));
        if (!isOrt && baseMs !== undefined) row.ratio = o.timing.medianMs / baseMs;
        const against = isOrt ? refOut : ortBase;
        if (against?.status === 'ok') {
          const a = agreement(o.output, against.output);
          row.maxErr = a.maxAbs;
          row.relErr = a.rel;
          row.errAgainst = isOrt ? 'ref' : ortLabel(1);
          row.flagged = !(a.rel <= REL_ERR_FLAG);
        }
      }
      rows.push(row);
    }
  }

  const cpus = os.cpus();
  const machine = {
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    cpuModel: cpus[0]?.model ?? 'unknown',
    cpus: cpus.length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
  };
  const loadAverage = { start: loadAverageAtStart, end: os.loadavg() };
  const about =
    `node ${process.version}, onnxruntime-web ${ortVersion}, ${machine.cpuModel} × ${machine.cpus}, ` +
    `${machine.platform}, load average ${load.toFixed(2)} at start`;
  const table = markdownTable(rows);
  const notes = footnotes(rows).map((n) => `- ${n}`);
  process.stdout.write(`\n${about}\n\n${table}\n\n${notes.join('\n')}\n`);

  const date = today();
  const partial = opts.quick || opts.only.length > 0 || size !== 'full';
  const stem = partial ? `${date}-partial` : date;
  const dir = opts.out ?? fileURLToPath(new URL('../../bench/results', import.meta.url));
  mkdirSync(dir, { recursive: true });
  const meta = {
    date,
    loadAverage,
    node: process.version,
    onnxruntimeWeb: ortVersion,
    machine,
    size,
    timing,
  };
  writeFileSync(`${join(dir, stem)}.json`, `${JSON.stringify({ ...meta, rows }, null, 2)}\n`);
  writeFileSync(
    `${join(dir, stem)}.md`,
    `# atrous kernel bench ${date}\n\n${about}\n\n${table}\n\n${notes.join('\n')}\n`,
  );
  writeFileSync(
    `${join(dir, stem)}.svg`,
    svgChart(rows, `atrous kernel bench ${date}: median ms (log scale)`),
  );
  log(`wrote ${join(dir, stem)}.{json,md,svg}`);
  return rows.some((r) => r.status === 'failed' || r.flagged) ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`bench: ${message(e)}\n`);
    process.exitCode = 2;
  },
);
