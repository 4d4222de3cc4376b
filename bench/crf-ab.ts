// Dense-CRF A/B of two builds of the WASM kernels in one process (interleaved runs). Run:
//   npx vite-node bench/crf-ab.ts A.wasm B.wasm [--runs 5] [--iterations 10]
// 512x512 astronaut, 21 labels, deeplab-v2 (as bench/crf.ts): the lattice sizes, then per build, the CPU time of the whole
// mean field (min / median) and per phase the minimum CPU time over the runs (ms); then max |ΔQ| A vs B.
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { instantiateAtrousWasm } from '../src/engine/backends/wasm/module.js';
import { Tensor } from '../src/engine/tensor.js';
import { decodePng } from '../src/io/image.js';
import { crfKernels, crfProblem } from '../src/post/crf/inputs.js';
import { resolveCrfParams } from '../src/post/crf/params.js';
import { buildCrfLatticesWasm, type CrfTimings, crfMeanField } from '../src/post/crf/wasm.js';
import { crfExports } from '../src/post/crf/wasm-module.js';
import { Rng } from '../src/util/random.js';

const argv = process.argv.slice(2);
/** This process's CPU time (ms): the phases are timed in CPU time, as the machine is shared. */
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const num = (name: string, dflt: number) =>
  argv.includes(name) ? Number(argv[argv.indexOf(name) + 1]) : dflt;
const files = argv.filter((a) => a.endsWith('.wasm'));
const image = decodePng(new Uint8Array(readFileSync(new URL('../assets/astronaut.png', import.meta.url))));
const { width: w, height: h } = image;
const n = w * h;
const c = 21;
const rng = new Rng(1);
const centres = Array.from({ length: c }, () => [0, 1, 2].map(() => rng.uniform(0, 255)));
const probs = new Float32Array(c * n);
for (let i = 0; i < n; i++) {
  let s = 0;
  for (let l = 0; l < c; l++) {
    let d = 0;
    for (let k = 0; k < 3; k++) d += ((image.data[i * 3 + k] as number) - (centres[l]?.[k] as number)) ** 2;
    const e = Math.exp(-Math.sqrt(d) / 30 + rng.normal());
    probs[l * n + i] = e;
    s += e;
  }
  for (let l = 0; l < c; l++) probs[l * n + i] = (probs[l * n + i] as number) / s;
}
const params = resolveCrfParams('deeplab-v2');
const feats = crfKernels(crfProblem({ probs: new Tensor('float32', [1, c, h, w], probs), image }), params);
const lattices = await buildCrfLatticesWasm(feats, n);
console.log(
  `N = ${n} pixels; lattice points: ${lattices.map((l) => `d=${l.d1 - 1} M=${l.m} (${(l.m / n).toFixed(2)} N)`).join(', ')}`,
);
const iterations = num('--iterations', params.iterations);
const runs = num('--runs', 5);
const scores = { kind: 'probs' as const, scores: probs };
const builds = await Promise.all(
  files.map(async (f) => {
    const mem = await instantiateAtrousWasm(new Uint8Array(readFileSync(f)));
    const wasm = crfExports(mem);
    const run = (timings?: CrfTimings) => {
      const mark = mem.mark();
      try {
        return crfMeanField(wasm, mem, wasm, scores, c, feats, iterations, {
          timings,
          layout: 'planes',
          clock: cpuMs,
        }).q;
      } finally {
        mem.release(mark);
      }
    };
    return { f, run, q: run(), cpu: [] as number[], mins: {} as CrfTimings };
  }),
);
for (let r = 0; r < runs; r++) {
  for (const b of r % 2 ? [...builds].reverse() : builds) {
    const t: CrfTimings = {};
    const c0 = process.cpuUsage();
    b.run(t);
    const cu = process.cpuUsage(c0);
    b.cpu.push((cu.user + cu.system) / 1000);
    for (const [k, v] of Object.entries(t)) b.mins[k] = Math.min(b.mins[k] ?? Infinity, v);
  }
}
const sum = (m: CrfTimings, pre: string[]) =>
  Object.entries(m)
    .filter(([k]) => pre.some((p) => k.startsWith(p)))
    .reduce((s, [, v]) => s + v, 0);
console.log(
  `load ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}; ${runs} interleaved runs each`,
);
for (const b of builds) {
  const s = [...b.cpu].sort((x, y) => x - y);
  console.log(
    `${b.f}: cpu min ${s[0]?.toFixed(0)} / median ${s[Math.floor((s.length - 1) / 2)]?.toFixed(0)} ms; build ${sum(b.mins, ['build']).toFixed(0)}, iterations ${sum(b.mins, ['splat', 'blur', 'slice']).toFixed(0)}\n  phase minima: ${Object.entries(
      b.mins,
    )
      .map(([k, v]) => `${k} ${v.toFixed(0)}`)
      .join(', ')}`,
  );
}
const [a, b] = builds;
if (a && b) {
  let mx = 0;
  let mean = 0;
  for (let i = 0; i < a.q.length; i++) {
    const d = Math.abs((a.q[i] as number) - (b.q[i] as number));
    mx = Math.max(mx, d);
    mean += d;
  }
  console.log(`|ΔQ| A vs B: mean ${(mean / a.q.length).toExponential(2)}, max ${mx.toExponential(2)}`);
}
