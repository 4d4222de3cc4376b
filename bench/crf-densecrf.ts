// atrous' dense CRF against Krähenbühl's densecrf v2 (C++) on this machine, in one run. Run:
//   npx vite-node bench/crf-densecrf.ts --densecrf-bin PATH[,PATH2...] [--runs 5] [--threads 1,2]
//     [--ftz] [--out bench/results/<date>-crf-densecrf.md]
// PATH: bench/densecrf/driver.cpp built against a densecrf source (bench/densecrf/README.md).
// Inputs: exactly bench/crf.ts's (512x512 astronaut, 21 labels, noisy colour probabilities from
// bench/crf-inputs.ts), deeplab-v2, 10 iterations, written to a temp dir as .npy for the driver.
// Rounds alternate atrous (denseCrf, wasm, each thread count) and each binary (one spawn per
// run: 1 warm-up + 1 timed run inside the process, so its process start and file reads are
// not timed). Then agreement of Q: argmax agreement and mean / max |ΔQ| between each binary's Q
// and atrous' (both permutohedral-lattice mean field). Each binary runs twice per round: as is,
// and with glibc malloc thresholds raised (GLIBC_TUNABLES, see MALLOC_TUNED); --ftz adds a third
// run with denormals flushed (--ftz 1).
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { createInterface } from 'node:readline';
import { Tensor } from '../src/engine/tensor.js';
import { encodeNpy, parseNpy } from '../src/io/npy.js';
import { denseCrf } from '../src/post/crf/index.js';
import { resolveCrfParams } from '../src/post/crf/params.js';
import { loadAstronaut, noisyColourProbs } from './crf-inputs.js';

const argv = process.argv.slice(2);
const opt = (name: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
const binList = opt('--densecrf-bin');
if (!binList) {
  console.error(
    'usage: npx vite-node bench/crf-densecrf.ts --densecrf-bin PATH[,PATH2] [--runs N] [--threads 1,2]',
  );
  process.exit(2);
}
const runs = Number(opt('--runs') ?? 5);
const threadCounts = (opt('--threads') ?? '1,2').split(',').map(Number);
if (!(Number.isInteger(runs) && runs >= 1) || !threadCounts.every((t) => Number.isInteger(t) && t >= 1)) {
  console.error('--runs and each of --threads must be integers >= 1');
  process.exit(2);
}
const date = new Date().toISOString().slice(0, 10);
const outMd = opt('--out') ?? new URL(`results/${date}-crf-densecrf.md`, import.meta.url).pathname;

const preset = 'deeplab-v2';
const params = resolveCrfParams(preset);
const c = 21;
const image = loadAstronaut();
const { width: w, height: h } = image;
const n = w * h;
const probs = noisyColourProbs(image, c, 1);

const dir = mkdtempSync(join(tmpdir(), 'crf-densecrf-'));
const imagePath = join(dir, 'image.npy');
const probsPath = join(dir, 'probs.npy');
writeFileSync(imagePath, encodeNpy(new Tensor('uint8', [h, w, 3], Uint8Array.from(image.data))));
writeFileSync(probsPath, encodeNpy(new Tensor('float32', [c, h, w], probs.data)));

/**
 * glibc malloc settings that keep densecrf's per-call buffers (≤ 30 MB each: lattice values,
 * Eigen temporaries) on the heap instead of fresh mmaps, so they are not page-faulted in again on
 * every filter call: the same binary and code, only the allocator's thresholds.
 */
const MALLOC_TUNED = 'glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=1073741824';
interface Peer {
  label: string;
  bin: string;
  ftz: boolean;
  env?: NodeJS.ProcessEnv;
}
const peers: Peer[] = binList.split(',').flatMap((bin) => {
  const base: Peer = { label: `densecrf ${basename(bin)}`, bin, ftz: false };
  const tuned: Peer = {
    ...base,
    label: `${base.label}, malloc tuned`,
    env: { ...process.env, GLIBC_TUNABLES: MALLOC_TUNED },
  };
  const ftz: Peer[] = argv.includes('--ftz')
    ? [{ ...tuned, label: `${tuned.label}, FTZ/DAZ`, ftz: true }]
    : [];
  return [base, tuned, ...ftz];
});

interface Driver {
  setupWall: number[];
  setupCpu: number[];
  inferenceWall: number[];
  inferenceCpu: number[];
  minorFaults: number[];
}
/**
 * Runs the driver binaries from a small helper process, never from this one: spawning forks the
 * spawner, and after a fork every page this process writes takes a copy-on-write fault once. At
 * ~20 µs a fault on the VM of NOTES.md that cost each atrous run after a densecrf spawn ~6k faults
 * (~0.1 s of CPU) that no real user pays. The helper is started once, before the warm-up.
 */
const SPAWNER = `
const { execFileSync } = require('node:child_process');
const rl = require('node:readline').createInterface({ input: process.stdin });
rl.on('line', (line) => {
  const { bin, args, env } = JSON.parse(line);
  let reply;
  try { reply = { out: execFileSync(bin, args, { encoding: 'utf8', env }) }; }
  catch (e) { reply = { error: String(e && e.message) }; }
  process.stdout.write(JSON.stringify(reply) + '\\n');
});`;
const spawner = spawn(process.execPath, ['-e', SPAWNER], { stdio: ['pipe', 'pipe', 'inherit'] });
const replies = createInterface({ input: spawner.stdout as NodeJS.ReadableStream })[Symbol.asyncIterator]();
async function execInSpawner(bin: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  spawner.stdin?.write(`${JSON.stringify({ bin, args, env })}\n`);
  const next = await replies.next();
  if (next.done) throw new Error('the spawner process ended');
  const reply = JSON.parse(next.value) as { out?: string; error?: string };
  if (reply.out === undefined) throw new Error(`${bin} failed: ${reply.error}`);
  return reply.out;
}

/** One spawn of the driver: 1 warm-up + 1 timed run; optionally writes Q. */
async function runPeer(peer: Peer, qPath?: string): Promise<Driver> {
  const a = ['--image', imagePath, '--probs', probsPath, '--preset', preset, '--runs', '1', '--warmup', '1'];
  if (peer.ftz) a.push('--ftz', '1');
  if (qPath) a.push('--out', qPath);
  const out = await execInSpawner(peer.bin, a, peer.env ?? process.env);
  const line = out.split('\n').find((l) => l.startsWith('json '));
  if (!line) throw new Error(`${peer.bin} printed no json line:\n${out}`);
  return JSON.parse(line.slice(5)) as Driver;
}

const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
const cpuNow = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const stats = (xs: number[]) => {
  const s = [...xs].sort((p, q) => p - q);
  return { min: s[0] as number, median: s[Math.floor((s.length - 1) / 2)] as number };
};

const loadStart = load();
console.error(`inputs in ${dir}; load average ${loadStart} on ${cpus().length} CPUs`);

// Warm-up (module load, worker start, memory growth) and the Q each side gives.
const atrousQ = new Map<number, Tensor>();
for (const threads of threadCounts) {
  atrousQ.set(threads, await denseCrf({ probs, image, params: preset, backend: 'wasm', threads }));
}
const peerQ = new Map<Peer, Tensor>();
for (const [i, peer] of peers.entries()) {
  const qPath = join(dir, `q-${i}.npy`);
  await runPeer(peer, qPath);
  peerQ.set(peer, parseNpy(new Uint8Array(readFileSync(qPath))));
}

interface Row {
  label: string;
  wall: number[];
  cpu: number[];
  setupCpu?: number[];
  inferenceCpu?: number[];
  /** Minor page faults per run. */
  faults: number[];
}
/**
 * atrous runs twice per thread count: returning a fresh Q tensor (22 MB of new memory per call,
 * page-faulted in), and writing Q into one reused `out` tensor, which is what "malloc tuned" gives
 * densecrf: its Q and per-call buffers come back from the heap without faults.
 */
const variants = threadCounts.flatMap((threads) =>
  [false, true].map((reuse) => ({
    threads,
    out: reuse ? new Tensor('float32', [1, c, h, w], new Float32Array(c * n)) : undefined,
  })),
);
const rows: Row[] = [
  ...variants.map((v) => ({
    label: `atrous denseCrf wasm, ${v.threads} thread(s)${v.out ? ', Q into a reused out' : ''}`,
    wall: [],
    cpu: [],
    faults: [],
  })),
  ...peers.map((p) => ({ label: p.label, wall: [], cpu: [], setupCpu: [], inferenceCpu: [], faults: [] })),
];
// One round: atrous (each variant) and the binaries alternate: a0, b0, a1, b1, ...
type Task = () => Promise<string>;
const atrousTasks: Task[] = variants.map(({ threads, out }, i) => async () => {
  const f0 = process.resourceUsage().minorPageFault;
  const c0 = cpuNow();
  const t0 = performance.now();
  await denseCrf({ probs, image, params: preset, backend: 'wasm', threads, out });
  const row = rows[i] as Row;
  row.wall.push(performance.now() - t0);
  row.cpu.push(cpuNow() - c0);
  row.faults.push(process.resourceUsage().minorPageFault - f0);
  return `atrous ${threads}t${out ? ' out' : ''} ${(row.cpu.at(-1) as number).toFixed(0)}`;
});
const peerTasks: Task[] = peers.map((peer, j) => async () => {
  const d = await runPeer(peer);
  const row = rows[variants.length + j] as Row;
  row.wall.push((d.setupWall[0] as number) + (d.inferenceWall[0] as number));
  row.cpu.push((d.setupCpu[0] as number) + (d.inferenceCpu[0] as number));
  row.setupCpu?.push(d.setupCpu[0] as number);
  row.inferenceCpu?.push(d.inferenceCpu[0] as number);
  row.faults.push(d.minorFaults[0] as number);
  return `${peer.label} ${(row.cpu.at(-1) as number).toFixed(0)}`;
});
const round: Task[] = [];
for (let k = 0; k < Math.max(atrousTasks.length, peerTasks.length); k++) {
  if (atrousTasks[k]) round.push(atrousTasks[k] as Task);
  if (peerTasks[k]) round.push(peerTasks[k] as Task);
}
for (let r = 0; r < runs; r++) {
  const parts: string[] = [];
  for (const task of round) parts.push(await task());
  console.error(`[${r + 1}/${runs}] CPU ms: ${parts.join(', ')}; load ${load()}`);
}
const loadEnd = load();

/** argmax agreement and mean / max |ΔQ| of two (…, C, H, W) Q tensors. */
function compare(a: Tensor, b: Tensor) {
  let agree = 0;
  let sum = 0;
  let max = 0;
  for (let i = 0; i < n; i++) {
    let ba = 0;
    let bb = 0;
    for (let l = 0; l < c; l++) {
      const va = a.data[l * n + i] as number;
      const vb = b.data[l * n + i] as number;
      const d = Math.abs(va - vb);
      sum += d;
      if (d > max) max = d;
      if (va > (a.data[ba * n + i] as number)) ba = l;
      if (vb > (b.data[bb * n + i] as number)) bb = l;
    }
    if (ba === bb) agree++;
  }
  return { agree: agree / n, mean: sum / (n * c), max };
}

const ref = rows[0] as Row;
const refReused = rows[1] as Row;
const lines: string[] = [];
const md = (s = '') => {
  lines.push(s);
  console.log(s);
};
const gxx = (() => {
  try {
    return execFileSync('g++', ['--version'], { encoding: 'utf8' }).split('\n')[0];
  } catch {
    return 'g++ (version unknown)';
  }
})();
const gitState = (() => {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync(
      'git',
      ['status', '--short', '--', 'src/post/crf', 'assembly/crf.ts', 'assembly/crf_lattice.ts'],
      {
        encoding: 'utf8',
      },
    ).trim();
    return `atrous at ${head}${dirty ? ` with uncommitted CRF changes (${dirty.split('\n').length} files)` : ''}`;
  } catch {
    return 'atrous (git state unknown)';
  }
})();
md(`# atrous dense CRF vs Krähenbühl's densecrf v2 (C++), same machine, ${date}`);
md();
md(
  `512x512 assets/astronaut.png, ${c} labels (bench/crf-inputs.ts, as bench/crf.ts), ${preset} ` +
    `(pos w ${params.posW} σ ${params.posXyStd}; bi w ${params.biW} σxy ${params.biXyStd} σrgb ${params.biRgbStd}), ` +
    `${params.iterations} iterations. ${runs} interleaved rounds (atrous, C++, atrous, ...).`,
);
md();
md(
  `Machine: ${cpus()[0]?.model ?? '?'}, ${cpus().length} CPUs; node ${process.version}; ${gxx}; ${gitState}. ` +
    `Load average (1/5/15 min) ${loadStart} at start, ${loadEnd} at end (other jobs share the machine: read CPU minima).`,
);
md();
md(
  'atrous: the whole `denseCrf` call (checks, unaries, features, lattices, mean field, Q as planes), CPU = this ' +
    'process (workers included). densecrf: `DenseCRF2D` setup (unary, features, lattices + norms) + `inference(10)` ' +
    'inside the driver process, after one warm-up run in that process (process start and file I/O not timed). ' +
    '"malloc tuned": the same binary run with `GLIBC_TUNABLES=' +
    MALLOC_TUNED +
    '` (its per-call buffers stay on the heap instead of being mmapped and page-faulted in on every filter call). ' +
    '"Q into a reused out": `denseCrf({ ..., out })` writing into one tensor allocated before the rounds (no fresh 22 MB per call; the counterpart of densecrf\'s heap reuse). Ratio < 1: atrous (first thread count) used less CPU.',
);
md();
md(
  `| what | wall min / median (ms) | CPU min / median (ms) | CPU setup + inference (min, ms) | minor page faults per run (min) | ratio atrous ${threadCounts[0]}t / this (CPU min) | ratio atrous ${threadCounts[0]}t, reused out / this |`,
);
md('| --- | --- | --- | --- | --- | --- | --- |');
for (const row of rows) {
  const wl = stats(row.wall);
  const cu = stats(row.cpu);
  const split =
    row.setupCpu && row.inferenceCpu
      ? `${stats(row.setupCpu).min.toFixed(0)} + ${stats(row.inferenceCpu).min.toFixed(0)}`
      : '';
  const ratio = (stats(ref.cpu).min / cu.min).toFixed(2);
  const ratioReused = (stats(refReused.cpu).min / cu.min).toFixed(2);
  md(
    `| ${row.label} | ${wl.min.toFixed(0)} / ${wl.median.toFixed(0)} | ${cu.min.toFixed(0)} / ${cu.median.toFixed(0)} | ${split} | ${stats(row.faults).min} | ${ratio} | ${ratioReused} |`,
  );
}
md();
md('Agreement of Q (lattice vs lattice; argmax over the 21 labels, |ΔQ| over all C·H·W values):');
md();
md('| A | B | argmax agreement | mean abs ΔQ | max abs ΔQ |');
md('| --- | --- | --- | --- | --- |');
const a1 = atrousQ.get(threadCounts[0] as number) as Tensor;
for (const peer of peers) {
  const k = compare(a1, peerQ.get(peer) as Tensor);
  md(
    `| atrous wasm ${threadCounts[0]}t | ${peer.label} | ${(100 * k.agree).toFixed(3)}% | ${k.mean.toExponential(2)} | ${k.max.toExponential(2)} |`,
  );
}
for (const t of threadCounts.slice(1)) {
  const k = compare(a1, atrousQ.get(t) as Tensor);
  md(
    `| atrous wasm ${threadCounts[0]}t | atrous wasm ${t}t | ${(100 * k.agree).toFixed(3)}% | ${k.mean.toExponential(2)} | ${k.max.toExponential(2)} |`,
  );
}
for (const [i, p] of peers.entries()) {
  for (const q of peers.slice(i + 1)) {
    const k = compare(peerQ.get(p) as Tensor, peerQ.get(q) as Tensor);
    md(
      `| ${p.label} | ${q.label} | ${(100 * k.agree).toFixed(3)}% | ${k.mean.toExponential(2)} | ${k.max.toExponential(2)} |`,
    );
  }
}
const kIn = compare(a1, probs);
md();
md(
  `(For scale: atrous Q vs the input probabilities: argmax agreement ${(100 * kIn.agree).toFixed(1)}%, mean |ΔQ| ${kIn.mean.toExponential(2)}.)`,
);
writeFileSync(outMd, `${lines.join('\n')}\n`);
console.error(`written ${outMd}`);
rmSync(dir, { recursive: true, force: true });
spawner.stdin?.end();
