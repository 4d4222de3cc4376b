/// <reference types="@webgpu/types" />
/**
 * `npm run bench:webgpu-node`: atrous-webgpu vs onnxruntime-web WebGPU in one Node process, both on
 * the same Dawn adapter (npm 'webgpu'; on a machine with a GPU that is the GPU's Vulkan driver, else
 * SwiftShader). The cases and the report are the browser bench's (cases.ts, report.ts); this host
 * is for machines without a browser, e.g. a GPU server. Writes
 * bench/results/<date>-webgpu-node.{json,md,svg} (`-partial` with --only).
 *
 *   node build/bench-browser/node.js [--only a,b] [--reps N] [--out DIR] [--no-models]
 */
import { readFileSync } from 'node:fs';
import { arg, buildCases, warmUpCase } from './cases.js';
import { adapterName, type CaseResult, compareCase, holdDevice, type Ort } from './compare.js';
import { writeReport } from './report.js';

interface DawnModule {
  create(options: string[]): GPU;
  globals: Record<string, unknown>;
}

/**
 * Dawn's Node binding rejects writeBuffer from a SharedArrayBuffer view ("Invalid argument"), which
 * is how onnxruntime-web's threaded wasm hands it data: copy such views first.
 */
function acceptSharedViews(queue: { prototype: GPUQueue }): void {
  const write = queue.prototype.writeBuffer;
  queue.prototype.writeBuffer = function (
    this: GPUQueue,
    buffer: GPUBuffer,
    offset: number,
    data: BufferSource | SharedArrayBuffer,
    dataOffset = 0,
    size?: number,
  ): undefined {
    if (ArrayBuffer.isView(data) && data.buffer instanceof SharedArrayBuffer) {
      const el = (data as { BYTES_PER_ELEMENT?: number }).BYTES_PER_ELEMENT ?? 1;
      const len = size !== undefined ? size * el : data.byteLength - dataOffset * el;
      const copy = new Uint8Array(len);
      copy.set(new Uint8Array(data.buffer, data.byteOffset + dataOffset * el, len));
      return write.call(this, buffer, offset, copy, 0, len);
    }
    return write.call(this, buffer, offset, data as BufferSource, dataOffset, size);
  } as GPUQueue['writeBuffer'];
}

async function installNavigatorGpu(): Promise<GPU> {
  process.env.XDG_RUNTIME_DIR ??= '/tmp';
  const swiftshader = '/usr/lib/chromium/vk_swiftshader_icd.json';
  if (!process.env.VK_ICD_FILENAMES && !process.env.VK_DRIVER_FILES && process.argv.includes('--swiftshader'))
    process.env.VK_ICD_FILENAMES = swiftshader;
  const name = 'webgpu';
  const dawn = (await import(name)) as DawnModule;
  Object.assign(globalThis, dawn.globals);
  acceptSharedViews(dawn.globals.GPUQueue as { prototype: GPUQueue });
  const gpu = dawn.create(['disable-dawn-features=timestamp_quantization']);
  Object.defineProperty(globalThis, 'navigator', { value: { gpu, userAgent: 'node' }, configurable: true });
  return gpu;
}

async function main(): Promise<void> {
  const only = arg('--only')?.split(',').filter(Boolean);
  const reps = Number(arg('--reps') ?? 5);
  const outDir = arg('--out') ?? 'bench/results';
  const gpu = await installNavigatorGpu();
  const adapter = adapterName((await gpu.requestAdapter())?.info);
  process.stderr.write(`adapter: ${adapter}\n`);
  const cases = await buildCases(only, !process.argv.includes('--no-models'));
  const ort = (await import('onnxruntime-web/webgpu')) as unknown as Ort;
  ort.env.wasm.numThreads = 1;
  ort.env.logLevel = 'error';
  const warm = warmUpCase();
  await compareCase(warm, 0, ort, adapter);
  const held = await holdDevice(warm);
  const started = Date.now();
  const results: CaseResult[] = [];
  for (const c of cases) {
    process.stderr.write(`${c.name} ...`);
    const t = Date.now();
    results.push(await compareCase(c, reps, ort, adapter));
    process.stderr.write(` ${((Date.now() - t) / 1000).toFixed(1)} s\n`);
  }
  const version = (pkg: string) =>
    JSON.parse(readFileSync(`node_modules/${pkg}/package.json`, 'utf8')).version as string;
  writeReport(
    outDir,
    'webgpu-node',
    only !== undefined,
    {
      host: `Node ${process.version} + Dawn (npm webgpu ${version('webgpu')}), one process`,
      adapter,
      onnxruntimeWeb: version('onnxruntime-web'),
      reps,
      totalSeconds: Math.round((Date.now() - started) / 1000),
    },
    results,
  );
  held.release();
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`${(e as Error).stack ?? e}\n`);
    process.exit(1);
  },
);
