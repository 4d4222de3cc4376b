// Cold start of atrous-webgpu, per workload: Session.create, first run and a warm run, twice (the
// second session finds the device and its pipelines), with the time of every shader module and
// compute pipeline the first session created. After an untimed warm-up session (one Relu), as in
// bench/browser. Node + the `webgpu` package; on a GPU set __GL_SHADER_DISK_CACHE=0 (NVIDIA) for
// real compiles.
//   npx vite-node bench/webgpu-cold.ts

import { findGpu } from '../src/engine/backends/webgpu/device.js';
import { exportOnnx, Session, type Tensor } from '../src/index.js';
import { warmUpCase } from './browser/cases.js';
import { selectWorkloads } from './workloads.js';

await findGpu();
type Rec = { what: string; ms: number; at: number };
let t0 = performance.now();
let recs: Rec[] = [];
const G = globalThis as unknown as { GPUDevice: { prototype: Record<string, unknown> } };
const proto = G.GPUDevice.prototype;
const origPipe = proto.createComputePipelineAsync as (
  d: GPUComputePipelineDescriptor,
) => Promise<GPUComputePipeline>;
proto.createComputePipelineAsync = async function (this: GPUDevice, d: GPUComputePipelineDescriptor) {
  const t = performance.now();
  const p = await origPipe.call(this, d);
  recs.push({
    what: `pipe ${d.label} ${JSON.stringify(d.compute.constants ?? {})}`,
    ms: performance.now() - t,
    at: t - t0,
  });
  return p;
};
const origMod = proto.createShaderModule as (d: GPUShaderModuleDescriptor) => GPUShaderModule;
proto.createShaderModule = function (this: GPUDevice, d: GPUShaderModuleDescriptor) {
  const t = performance.now();
  const m = origMod.call(this, d);
  const info = m.getCompilationInfo();
  const done = () => recs.push({ what: `module ${d.label}`, ms: performance.now() - t, at: t - t0 });
  info.then(done, done);
  // getCompilationInfo may be asked once only (see pipelines.ts): hand the same promise back.
  (m as unknown as { getCompilationInfo: () => Promise<GPUCompilationInfo> }).getCompilationInfo = () => info;
  return m;
};

const ms = (t: number) => (performance.now() - t).toFixed(1);
async function one(name: string, bytes: Uint8Array, feeds: Record<string, Tensor>) {
  for (const label of ['1st', '2nd']) {
    recs = [];
    let t = performance.now();
    t0 = t;
    const s = await Session.create(bytes, { backend: 'webgpu' });
    const create = ms(t);
    t = performance.now();
    await s.run(feeds);
    const run = ms(t);
    t = performance.now();
    await s.run(feeds);
    console.log(
      `${name} ${label}: create ${create} | first run ${run} | warm ${ms(t)} | ${recs.length} compiles`,
    );
    if (label === '1st') {
      for (const r of recs.sort((a, b) => b.ms - a.ms).slice(0, 8))
        console.log(`    ${r.ms.toFixed(1).padStart(7)} ms from ${r.at.toFixed(1)} ${r.what}`);
    }
    s.release();
  }
}
// Warm-up as in the bench: one Relu (bench/browser/cases.ts), so no conv pipeline is compiled yet.
{
  const warm = warmUpCase();
  const s = await Session.create(warm.model, { backend: 'webgpu' });
  await s.run(warm.feeds);
  s.release();
}
for (const w of selectWorkloads([
  'dilated3x3',
  'depthwise3x3',
  'pointwise1x1',
  'convtranspose4x4',
  'gcn15',
  'aspp',
  'bilinear8x',
])) {
  const b = w.build('full');
  await one(w.name, exportOnnx(b.graph), b.feeds);
}
for (const name of ['lraspp_mnv3', 'deeplabv3_mnv3']) {
  try {
    const [w] = selectWorkloads([name]);
    const b = w!.build('full');
    await one(name, exportOnnx(b.graph), b.feeds);
  } catch (e) {
    console.log(`${name}: ${(e as Error).message}`);
  }
}
process.exit(0);
