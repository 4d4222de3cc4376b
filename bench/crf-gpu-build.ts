// The WebGPU dense CRF with its lattices built on the GPU vs built in WASM and uploaded
// (WebGpuCrfOptions.build), in one process on one device, the two interleaved run by run
// (alternating which goes first). Run:
//   npx vite-node bench/crf-gpu-build.ts [--size 128] [--runs 5] [--classes 21] [--preset deeplab-v2] [--threads N]
// A size x size crop of the astronaut (512: the whole image), noisy colour-based probabilities,
// the preset's iterations. Prints per build the wall and CPU (this process, SwiftShader's and the
// WASM workers' threads included) minima / medians of the whole mean field and the CPU-time minima
// of its phases (build, upload, iterations), and |ΔQ| between the two builds.
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { Tensor } from '../src/engine/tensor.js';
import { decodePng, type RgbImage } from '../src/io/image.js';
import { crfKernels, crfProblem } from '../src/post/crf/inputs.js';
import { type CrfPresetName, resolveCrfParams } from '../src/post/crf/params.js';
import type { CrfTimings } from '../src/post/crf/wasm.js';
import { type CrfLatticeBuild, WebGpuCrf } from '../src/post/crf/webgpu.js';
import { Rng } from '../src/util/random.js';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 ? (process.argv[i + 1] as string) : dflt;
}
const size = Number(arg('--size', '128'));
const runs = Number(arg('--runs', '5'));
const classes = Number(arg('--classes', '21'));
const preset = arg('--preset', 'deeplab-v2') as CrfPresetName;
const threadsArg = arg('--threads', '');
const threads = threadsArg ? Number(threadsArg) : undefined;

const full = decodePng(new Uint8Array(readFileSync(new URL('../assets/astronaut.png', import.meta.url))));
const x0 = Math.floor((full.width - size) / 2);
const y0 = Math.floor((full.height - size) / 2);
const data = new Uint8Array(size * size * 3);
for (let y = 0; y < size; y++) {
  data.set(
    full.data.subarray(((y + y0) * full.width + x0) * 3, ((y + y0) * full.width + x0 + size) * 3),
    y * size * 3,
  );
}
const image: RgbImage = { width: size, height: size, data };
const n = size * size;

// Noisy probabilities from the distance to random colour centres (as bench/crf.ts makes them).
const rng = new Rng(1);
const centres = Array.from({ length: classes }, () => [0, 1, 2].map(() => rng.uniform(0, 255)));
const probs = new Float32Array(classes * n);
for (let i = 0; i < n; i++) {
  const s = centres.map((c) => {
    let d = 0;
    for (let k = 0; k < 3; k++) d += ((data[i * 3 + k] as number) - (c[k] as number)) ** 2;
    return -Math.sqrt(d) / 30 + rng.normal();
  });
  const m = Math.max(...s);
  const e = s.map((v) => Math.exp(v - m));
  const z = e.reduce((a, b) => a + b, 0);
  for (let l = 0; l < classes; l++) probs[l * n + i] = (e[l] as number) / z;
}
const problem = crfProblem({ probs: new Tensor('float32', [1, classes, size, size], probs), image });
const params = resolveCrfParams(preset);
const kernels = crfKernels(problem, params);

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
/** Phase name → pipelines (compiled in the warm-up) / build / upload / iterations. */
function group(phase: string): string {
  if (phase.includes('pipelines')) return 'pipelines';
  if (phase.startsWith('build:') || (phase.startsWith('gpu build:') && phase !== 'gpu build: upload')) {
    return 'build';
  }
  if (phase === 'webgpu: iterations + readback') return 'iterations + readback';
  return 'upload (lattice, unaries, buffers)';
}

const crf = await WebGpuCrf.create();
const builds: CrfLatticeBuild[] = ['wasm', 'gpu'];
interface Runs {
  wall: number[];
  cpu: number[];
  phases: Map<string, number[]>;
}
const results = new Map<CrfLatticeBuild, Runs>();
const q = new Map<CrfLatticeBuild, { q: Float32Array; stride: number }>();
async function once(build: CrfLatticeBuild, record: boolean): Promise<void> {
  const timings: CrfTimings = {};
  const c0 = cpuMs();
  const t0 = performance.now();
  const r = await crf.meanField(problem.unary, classes, kernels, params.iterations, {
    build,
    threads,
    timings,
    clock: cpuMs,
  });
  const wall = performance.now() - t0;
  const cpu = cpuMs() - c0;
  q.set(build, r);
  if (!record) return;
  const res: Runs = results.get(build) ?? { wall: [], cpu: [], phases: new Map() };
  results.set(build, res);
  res.wall.push(wall);
  res.cpu.push(cpu);
  const grouped = new Map<string, number>();
  for (const [k, v] of Object.entries(timings)) {
    grouped.set(group(k), (grouped.get(group(k)) ?? 0) + v);
    grouped.set(`  ${k}`, v);
  }
  for (const [k, v] of grouped) res.phases.set(k, [...(res.phases.get(k) ?? []), v]);
}

const load0 = loadavg()[0] as number;
for (const b of builds) await once(b, false); // warm-up: pipelines compile, WASM instantiates
for (let r = 0; r < runs; r++) {
  for (const b of r % 2 === 0 ? builds : [...builds].reverse()) await once(b, true);
}
const load1 = loadavg()[0] as number;

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return `${(s[0] as number).toFixed(1)} / ${(s[Math.floor((s.length - 1) / 2)] as number).toFixed(1)}`;
};
const qw = q.get('wasm') as { q: Float32Array; stride: number };
const qg = q.get('gpu') as { q: Float32Array; stride: number };
let sum = 0;
let max = 0;
for (let i = 0; i < qw.q.length; i++) {
  const d = Math.abs((qw.q[i] as number) - (qg.q[i] as number));
  sum += d;
  max = Math.max(max, d);
}
console.log(
  `${size}x${size}, ${classes} classes, ${preset} (${params.iterations} iterations), adapter '${crf.adapterName}', ` +
    `${runs} interleaved runs per build, load average ${load0.toFixed(1)} → ${load1.toFixed(1)}`,
);
console.log(
  `|ΔQ| gpu vs wasm build (padded rows): mean ${(sum / qw.q.length).toExponential(2)}, max ${max.toExponential(2)}`,
);
for (const b of builds) {
  const r = results.get(b);
  if (!r) continue;
  console.log(
    `\nbuild: ${b}    whole mean field wall min / median ${stats(r.wall)} ms, CPU ${stats(r.cpu)} ms`,
  );
  console.log('  phases, CPU ms (min / median):');
  for (const [k, v] of [...r.phases].sort(([a], [c]) =>
    a.startsWith(' ') === c.startsWith(' ') ? 0 : a.startsWith(' ') ? 1 : -1,
  )) {
    console.log(`    ${k.padEnd(48)} ${stats(v)}`);
  }
}
crf.release();
