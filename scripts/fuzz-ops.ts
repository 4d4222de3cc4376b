/**
 * A long differential-fuzz campaign (the test suite runs a fixed slice: test/conformance/
 * fuzz-vs-ort.test.ts): seeded random graphs run by onnxruntime-web and by atrous' backends, every
 * disagreement, refusal and crash printed with the draw that caused it.
 *
 *   npm run fuzz -- --cases 2000 --seed 7 --only Conv,Resize --backends ref,wasm,webgpu --zero
 *
 * A failure reproduces from its generator, seed and case index (printed with it).
 */
import { SingleBar } from 'cli-progress';
import { Command } from 'commander';
import type { BackendName } from '../src/engine/backend.js';
import { tuning } from '../src/engine/backends/webgpu/index.js';
import { Rng } from '../src/util/random.js';
import { drawFuzzCase, FUZZ_GENERATORS } from '../test/helpers/fuzz-graphs.js';
import { fuzzFeeds, isFailing, runFuzzCase } from '../test/helpers/fuzz-run.js';

const program = new Command('fuzz-ops')
  .option('--cases <n>', 'cases in all, spread over the generators in turn', '500')
  .option('--seed <n>', 'campaign seed', '1')
  .option('--only <names>', `generators, comma-separated: ${Object.keys(FUZZ_GENERATORS).join(', ')}`)
  .option('--backends <names>', 'atrous backends to run', 'ref,wasm,webgpu')
  .option('--zero', 'empty one input axis in half the cases')
  .option(
    '--gpu-tuning',
    "webgpu: the lowerings' GPU choices (conv_pixel, one output per invocation) on this adapter",
  )
  .option('--untiered', 'webgpu: no tiered start-up (the upgraded kernels from the first run)')
  .option('--profile', 'profiled sessions (webgpu: one compute pass per node, timestamp queries)')
  .parse();
const opts = program.opts<{
  cases: string;
  seed: string;
  only?: string;
  backends: string;
  zero?: boolean;
  gpuTuning?: boolean;
  untiered?: boolean;
  profile?: boolean;
}>();

const names = opts.only ? opts.only.split(',') : Object.keys(FUZZ_GENERATORS);
const unknown = names.filter((n) => !FUZZ_GENERATORS[n]);
if (unknown.length) program.error(`unknown generator(s): ${unknown.join(', ')}`);
if (opts.gpuTuning) tuning.software = false;
if (opts.untiered) tuning.tiered = false;
const backends = opts.backends.split(',') as BackendName[];
const cases = Number(opts.cases);
const seed = Number(opts.seed);

const tally = new Map<string, number>();
const failures: string[] = [];
const bar = new SingleBar({
  format: 'fuzz [{bar}] {value}/{total} cases | {failures} failing',
  hideCursor: true,
});
bar.start(cases, 0, { failures: 0 });
for (let i = 0; i < cases; i++) {
  const name = names[i % names.length] as string;
  const r = new Rng(seed * 100003 + i);
  const c = drawFuzzCase(FUZZ_GENERATORS[name] as (typeof FUZZ_GENERATORS)[string], r, { zero: opts.zero });
  if (!c) tally.set(`${name} invalid draw`, (tally.get(`${name} invalid draw`) ?? 0) + 1);
  else {
    for (const o of await runFuzzCase(c.graph, fuzzFeeds(c.graph, r), backends, { profile: opts.profile })) {
      const key = `${name} ${o.backend} ${o.verdict}`;
      tally.set(key, (tally.get(key) ?? 0) + 1);
      if (isFailing(o.verdict))
        failures.push(
          `${o.verdict.toUpperCase()} ${name} seed ${seed} case ${i} on ${o.backend}: ${c.desc} :: ${o.detail}`,
        );
    }
  }
  bar.update(i + 1, { failures: failures.length });
}
bar.stop();
for (const f of failures) console.log(f);
console.log(
  [...tally.entries()]
    .sort()
    .map(([k, v]) => `${k}: ${v}`)
    .join('\n'),
);
console.log(`${failures.length} failing outcome(s) in ${cases} cases`);
process.exit(failures.length ? 1 : 0);
