// Pipeline compile time of every kernels/*.wgsl (default overrides; conv_gemm at each CBK) on one
// device of this adapter, one after another, each shader text made unique. On a GPU set
// __GL_SHADER_DISK_CACHE=0 (NVIDIA) so nothing comes from the driver's disk cache.
//   npx vite-node bench/webgpu-compile.ts
import { readdirSync, readFileSync } from 'node:fs';
import { findGpu } from '../src/engine/backends/webgpu/device.js';

const gpu = await findGpu();
const adapter = (await gpu.requestAdapter({ powerPreference: 'high-performance' }))!;
const features = (['subgroups', 'timestamp-query'] as GPUFeatureName[]).filter((f) =>
  adapter.features.has(f),
);
const device = await adapter.requestDevice({ requiredFeatures: features });
console.log('adapter', JSON.stringify(adapter.info), 'features', features.join(','));
const text = (stem: string) => readFileSync(`kernels/${stem}.wgsl`, 'utf8');
let nonce = 0;
async function time(label: string, code: string, constants: Record<string, number> = {}) {
  // A distinct text per compile, so Dawn's module cache cannot hand back an earlier one (the const is
  // unused, so the compiled code is the same: the driver's own cache must be off, see above).
  const unique = `${code}\nconst PROBE_NONCE_${nonce++}: u32 = 0u;\n`;
  const t = performance.now();
  const module = device.createShaderModule({ code: unique });
  const info = await module.getCompilationInfo();
  const tm = performance.now() - t;
  const t2 = performance.now();
  try {
    await device.createComputePipelineAsync({
      layout: 'auto',
      compute: { module, entryPoint: 'main', constants },
    });
    console.log(
      `${label.padEnd(40)} module ${tm.toFixed(1).padStart(6)} pipeline ${(performance.now() - t2).toFixed(1).padStart(7)} ms`,
    );
  } catch (e) {
    console.log(
      `${label}: ${(e as Error).message.slice(0, 200)} ${info.messages
        .map((m) => m.message)
        .join(';')
        .slice(0, 200)}`,
    );
  }
}
await time('warm-up (activation)', text('activation'));
for (const cbk of [8, 4, 2, 1]) await time(`conv_gemm CBK=${cbk}`, text('conv_gemm'), { CBK: cbk });
for (const cbk of [8, 1]) await time(`conv_gemm_nosg CBK=${cbk}`, text('conv_gemm_nosg'), { CBK: cbk });
for (const f of readdirSync('kernels')
  .filter((n) => n.endsWith('.wgsl'))
  .sort()) {
  const stem = f.slice(0, -5);
  if (!stem.startsWith('conv_gemm')) await time(stem, text(stem));
}
process.exit(0);
