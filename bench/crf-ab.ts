// Dense-CRF A/B of two builds of the WASM kernels in one process (interleaved runs). Run:
//   npx vite-node bench/crf-ab.ts A.wasm B.wasm [--runs 5] [--iterations 10]
// 512x512 astronaut, 21 labels, deeplab-v2 (as bench/crf.ts): the lattice sizes, then per build, the CPU time of the whole
// mean field (min / median) and per phase the minimum CPU time over the runs (ms); then max |ΔQ| A vs B.
//   npx vite-node bench/crf-ab.ts --node 1,2 [--runs 5] [--iterations 10]
// instead runs a WASM session of one DenseCRF node (same input) per thread count, interleaved: wall and process CPU time
// (workers included) min / median, per phase the minimum wall time, and the number of Q elements that differ from the first.
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { setDenseCrfTimings } from '../src/engine/backends/wasm/compile-crf.js';
import { createWasmBackend } from '../src/engine/backends/wasm/index.js';
import { instantiateAtrousWasm } from '../src/engine/backends/wasm/module.js';
import { Tensor } from '../src/engine/tensor.js';
import { GraphBuilder } from '../src/graph/builder.js';
import { inferShapes } from '../src/graph/shape-inference.js';
import { crfKernels, crfProblem } from '../src/post/crf/inputs.js';
import { resolveCrfParams } from '../src/post/crf/params.js';
import { buildCrfLatticesWasm, type CrfTimings, crfMeanField } from '../src/post/crf/wasm.js';
import { crfExports } from '../src/post/crf/wasm-module.js';
import { loadAstronaut, noisyColourProbs } from './crf-inputs.js';

const argv = process.argv.slice(2);
/** This process's CPU time (ms): the phases are timed in CPU time, as the machine is shared. */
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const num = (name: string, dflt: number) =>
  argv.includes(name) ? Number(argv[argv.indexOf(name) + 1]) : dflt;
const files = argv.filter((a) => a.endsWith('.wasm'));
const image = loadAstronaut();
const { width: w, height: h } = image;
const n = w * h;
const c = 21;
const probsTensor = noisyColourProbs(image, c);
const probs = probsTensor.data;
const params = resolveCrfParams('deeplab-v2');
const feats = crfKernels(crfProblem({ probs: probsTensor, image }), params);
const lattices = await buildCrfLatticesWasm(feats, n);
console.log(
  `N = ${n} pixels; lattice points: ${lattices.map((l) => `d=${l.d1 - 1} M=${l.m} (${(l.m / n).toFixed(2)} N)`).join(', ')}`,
);
const iterations = num('--iterations', params.iterations);
const runs = num('--runs', 5);
const scores = { kind: 'probs' as const, scores: probs };
if (argv.includes('--node')) {
  await benchNode(
    String(argv[argv.indexOf('--node') + 1])
      .split(',')
      .map(Number),
  );
  process.exit(0);
}
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

/** One DenseCRF node per thread count (sessions prepared once, runs interleaved): see the header. */
async function benchNode(threadCounts: number[]): Promise<void> {
  const b = new GraphBuilder('crf');
  const attrs = {
    iterations,
    pos_w: params.posW,
    pos_xy: params.posXyStd,
    bi_w: params.biW,
    bi_xy: params.biXyStd,
    bi_rgb: params.biRgbStd,
  };
  b.output(b.op('DenseCRF', [b.input('p', [1, c, h, w]), b.input('img', [1, 3, h, w])], attrs));
  const graph = b.build();
  const rgb = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) for (let k = 0; k < 3; k++) rgb[k * n + i] = image.data[i * 3 + k] as number;
  const feeds = new Map([
    ['p', new Tensor('float32', [1, c, h, w], probs)],
    ['img', new Tensor('float32', [1, 3, h, w], rgb)],
  ]);
  const out = graph.outputs.map((o) => o.name);
  const sessions = [];
  for (const threads of threadCounts) {
    const model = await createWasmBackend({ threads }).prepare(graph, inferShapes(graph));
    const q = (await model.run(feeds, out)).get(out[0] as string) as Tensor<'float32'>;
    sessions.push({ threads, model, q, wall: [] as number[], cpu: [] as number[], mins: {} as CrfTimings });
  }
  for (let r = 0; r < runs; r++) {
    for (const s of r % 2 ? [...sessions].reverse() : sessions) {
      const t: CrfTimings = {};
      setDenseCrfTimings(t);
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      await s.model.run(feeds, out);
      s.wall.push(performance.now() - t0);
      const cu = process.cpuUsage(c0);
      s.cpu.push((cu.user + cu.system) / 1000);
      setDenseCrfTimings();
      for (const [k, v] of Object.entries(t)) s.mins[k] = Math.min(s.mins[k] ?? Infinity, v);
    }
  }
  const mm = (xs: number[]) => {
    const s = [...xs].sort((x, y) => x - y);
    return `${s[0]?.toFixed(0)} / ${s[Math.floor((s.length - 1) / 2)]?.toFixed(0)}`;
  };
  console.log(
    `load ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}; ${runs} interleaved runs each`,
  );
  const first = sessions[0]?.q.data as Float32Array;
  for (const s of sessions) {
    let differ = 0;
    for (let i = 0; i < first.length; i++) if (!Object.is(first[i], s.q.data[i])) differ++;
    console.log(
      `DenseCRF node, ${s.threads} thread(s): wall min / median ${mm(s.wall)} ms, CPU ${mm(s.cpu)} ms; Q elements differing from ${sessions[0]?.threads} thread(s): ${differ}\n  phase minima (wall): ${Object.entries(
        s.mins,
      )
        .map(([k, v]) => `${k} ${v.toFixed(0)}`)
        .join(', ')}`,
    );
    s.model.release();
  }
}
