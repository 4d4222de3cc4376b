/// <reference types="@webgpu/types" />

import { threadsUnavailable } from '../../engine/backends/wasm/threads.js';
import { acquireDevice, type GpuContext } from '../../engine/backends/webgpu/device.js';
import { PipelineCache } from '../../engine/backends/webgpu/pipelines.js';
import { WG } from '../../engine/backends/webgpu/types.js';
import { Uniforms } from '../../engine/backends/webgpu/uniforms.js';
import { AtrousError, BackendUnavailableError } from '../../errors.js';
import { type CrfKernel, type KernelFeatures, kernelArrays } from './inputs.js';
import { type CrfRunOptions, phaseClock, withCrfLatticesWasm } from './wasm.js';
import { crfWasmThreads } from './wasm-module.js';
import {
  buildLatticesGpu,
  type DeviceLattice,
  gpuBuildProblem,
  grid,
  storageBuffer,
  uniformBuffer,
} from './webgpu-build.js';

/** Where the WebGPU CRF builds its lattices: 'gpu' (kernels/crf_build_*.wgsl) or 'wasm' (uploaded). */
export type CrfLatticeBuild = 'gpu' | 'wasm';

export interface WebGpuCrfOptions extends CrfRunOptions {
  /**
   * Default: 'wasm' on every adapter. The GPU build (no host build, no upload of the lattice) is
   * exact and tested on SwiftShader, where it is ~100x slower than WASM (the shaders run on the same
   * CPU cores); its speed on a hardware GPU has not been measured yet (NOTES.md, WebGPU), so it is
   * opt-in until it has. Set, it is used or the run fails with the reason (gpuBuildProblem).
   */
  build?: CrfLatticeBuild;
}

/**
 * Where `iterate` gets its lattices: built in WASM (on `options.threads`) and uploaded straight
 * out of the module memory, or built on the GPU from the features.
 */
type GivenLattices =
  | { source: 'wasm'; kernels: readonly CrfKernel[]; options: CrfRunOptions }
  | { source: 'gpu'; features: readonly KernelFeatures[] };

/**
 * Dense-CRF mean field on WebGPU: the lattices are built on the GPU (webgpu-build.ts: the same
 * points, ids, weights and neighbours as WASM's build) or in WASM and uploaded (see
 * WebGpuCrfOptions.build for which); the iterations run on the GPU (kernels/crf_splat.wgsl,
 * crf_blur.wgsl, crf_update.wgsl), all of them recorded in one command buffer, and Q is read back
 * once. Call `release()` when done (it destroys the device it acquired).
 */
export class WebGpuCrf {
  private readonly pipelines: PipelineCache;

  private constructor(
    private readonly ctx: GpuContext,
    private readonly owned: boolean,
  ) {
    this.pipelines = new PipelineCache(ctx.device);
  }

  /** On `ctx` (not destroyed by release) or a device of its own. */
  static async create(ctx?: GpuContext): Promise<WebGpuCrf> {
    return new WebGpuCrf(ctx ?? (await acquireDevice(deviceNeeds())), !ctx);
  }

  get adapterName(): string {
    return this.ctx.adapterName;
  }

  release(): void {
    if (this.owned) this.ctx.destroy();
  }

  /**
   * Q pixel-major, `stride` (classes padded to a multiple of 4) floats per pixel; with
   * `layout: 'planes'` Q as C planes of N (stride 0), turned on the GPU and read back into
   * `options.output` when given. `unary` is ψ pixel-major (float32 is uploaded as it is); kernels
   * may be feature writers (crfKernelWriters) when the build is WASM's, which writes them straight
   * into its memory.
   */
  async meanField(
    unary: Float64Array | Float32Array,
    classes: number,
    kernels: readonly CrfKernel[],
    iterations: number,
    options: WebGpuCrfOptions = {},
  ): Promise<{ q: Float32Array; stride: number }> {
    if (kernels.length > 2) throw new RangeError('the WebGPU CRF takes at most two kernels');
    const n = unary.length / classes;
    const planes = options.layout === 'planes';
    if (options.output && (!planes || options.output.length !== classes * n)) {
      throw new RangeError(`output takes Q as ${classes} planes of ${n} (layout 'planes')`);
    }
    let given: GivenLattices;
    if (options.build === 'gpu') {
      // The GPU build uploads the features and checks them: arrays.
      const features = kernelArrays(kernels, n);
      this.buildSource(features, n, 'gpu');
      given = { source: 'gpu', features };
    } else {
      given = {
        source: 'wasm',
        kernels,
        options: { ...options, threads: await buildThreads(kernels, options) },
      };
    }
    return this.iterate(
      unary,
      classes,
      given,
      iterations,
      { planes, output: options.output },
      phaseClock(options.timings, options.clock),
      options.timings !== undefined,
    );
  }

  /** Which build this run uses (WebGpuCrfOptions.build). */
  buildSource(kernels: readonly KernelFeatures[], n: number, asked?: CrfLatticeBuild): CrfLatticeBuild {
    if (asked !== 'gpu') return 'wasm';
    const problem = gpuBuildProblem(this.ctx.device.limits, kernels, n);
    if (!problem) return 'gpu';
    throw new BackendUnavailableError(
      'webgpu',
      `the GPU lattice build cannot take ${problem}; use build: 'wasm'`,
    );
  }

  private async iterate(
    unary: Float64Array | Float32Array,
    classes: number,
    given: GivenLattices,
    iterations: number,
    result: { planes: boolean; output?: Float32Array },
    tick: (phase: string) => void,
    timed: boolean,
  ): Promise<{ q: Float32Array; stride: number }> {
    const { device } = this.ctx;
    if (this.ctx.lost) throw this.ctx.lost;
    const n = unary.length / classes;
    const cp = (classes + 3) & ~3;
    const groups = cp / 4;
    const label = { node: 'denseCrf', op: 'DenseCRF' };
    // Asked for first: on a first call they compile while the lattices are built.
    const pipelines = Promise.all([
      this.pipelines.get('crf_splat', { WG }, label),
      this.pipelines.get('crf_blur', { WG }, label),
      this.pipelines.get('crf_update', { WG }, label),
      result.planes ? this.pipelines.get('crf_planes', { WG }, label) : undefined,
    ]);
    pipelines.catch(() => undefined);
    const buffers: GPUBuffer[] = [];
    const storage = (data: ArrayBufferView | number, name: string, extra = 0): GPUBuffer =>
      storageBuffer(device, data, `crf ${name}`, buffers, extra);
    const uniform = (u: Uniforms): GPUBuffer => uniformBuffer(device, u, 'crf params', buffers);
    const bind = (pipeline: GPUComputePipeline, entries: GPUBuffer[]): GPUBindGroup =>
      device.createBindGroup({
        layout: pipeline.getBindGroupLayout(0),
        entries: entries.map((buffer, binding) => ({ binding, resource: { buffer } })),
      });
    device.pushErrorScope('validation');
    device.pushErrorScope('out-of-memory');
    let done: { q: Float32Array; stride: number } | undefined;
    let failure: unknown;
    try {
      const lattices: DeviceLattice[] =
        given.source === 'gpu'
          ? await buildLatticesGpu(device, this.pipelines, given.features, n, buffers, tick, {
              phases: timed,
            })
          : await withCrfLatticesWasm(given.kernels, n, given.options, (host) => {
              const biggest = Math.max(
                n * cp * 4,
                ...host.map((l) =>
                  Math.max((l.m + 1) * cp * 4, l.offsets.length * 4, l.neighbors.length * 4),
                ),
              );
              checkFits(device, this.ctx.adapterName, biggest);
              // Uploaded from the module memory before it is released (writeBuffer copies).
              return host.map((l, k) => ({
                d1: l.d1,
                m: l.m,
                offsets: storage(l.offsets, `slice points ${k}`),
                slice: storage(l.slice, `slice weights ${k}`),
                start: storage(l.start, `start ${k}`),
                pix: storage(l.pix, `splat pixels ${k}`),
                splat: storage(l.splat, `splat weights ${k}`),
                neighbors: storage(l.neighbors, `neighbors ${k}`),
              }));
            });
      if (given.source === 'gpu') {
        checkFits(
          device,
          this.ctx.adapterName,
          Math.max(n * cp * 4, ...lattices.map((l) => (l.m + 1) * cp * 4)),
        );
      }
      const [splat, blur, update, toPlanes] = await pipelines;
      tick('webgpu: pipelines');
      // Compact, as crf_update.wgsl reads it (f64: one native conversion to f32).
      const unaryBuf = storage(unary instanceof Float32Array ? unary : new Float32Array(unary), 'unary');
      tick('webgpu: unary');
      const qBuf = storage(n * cp * 4, 'q', GPUBufferUsage.COPY_SRC);
      const empty = storage(16, 'empty');
      const ks = lattices.map((l, k) => {
        const rows = (l.m + 1) * cp * 4;
        const a = storage(rows, `vals a ${k}`);
        const b = storage(rows, `vals b ${k}`);
        const splatGrid = grid(l.m * groups);
        const splatBind = bind(splat, [
          uniform(new Uniforms().u(l.m, groups, splatGrid.stride, 0)),
          l.start,
          l.pix,
          l.splat,
          qBuf,
          a,
        ]);
        const blurs = Array.from({ length: l.d1 }, (_, j) => {
          const [src, dst] = j % 2 === 0 ? [a, b] : [b, a];
          return bind(blur, [
            uniform(new Uniforms().u(l.m, groups, splatGrid.stride, j)),
            l.neighbors,
            src,
            dst,
          ]);
        });
        const out = l.d1 % 2 === 0 ? a : b;
        return { l, splatGrid, splatBind, blurs, out, slicePoints: l.offsets, sliceWeights: l.slice };
      });
      const pixGrid = grid(n);
      const updateBind = (active: number) => {
        const [ka, kb] = ks.slice(0, active);
        return bind(update, [
          uniform(new Uniforms().u(n, groups, classes, pixGrid.stride, ka?.l.d1 ?? 0, kb?.l.d1 ?? 0, 0, 0)),
          unaryBuf,
          qBuf,
          ka?.slicePoints ?? empty,
          ka?.sliceWeights ?? empty,
          ka?.out ?? empty,
          kb?.slicePoints ?? empty,
          kb?.sliceWeights ?? empty,
          kb?.out ?? empty,
        ]);
      };
      const first = updateBind(0);
      const full = updateBind(ks.length);
      tick('webgpu: buffers + writes');
      await device.queue.onSubmittedWorkDone();
      tick('webgpu: upload wait');
      const enc = device.createCommandEncoder({ label: 'crf mean field' });
      const pass = enc.beginComputePass({ label: 'crf mean field' });
      const run = (pipeline: GPUComputePipeline, group: GPUBindGroup, g: { x: number; y: number }) => {
        pass.setPipeline(pipeline);
        pass.setBindGroup(0, group);
        pass.dispatchWorkgroups(g.x, g.y);
      };
      run(update, first, pixGrid);
      for (let it = 0; it < iterations; it++) {
        for (const k of ks) {
          run(splat, k.splatBind, k.splatGrid);
          for (const b of k.blurs) run(blur, b, k.splatGrid);
        }
        run(update, full, pixGrid);
      }
      // Q as planes for the readback (crf_planes.wgsl), or the pixel rows as they are.
      const outBytes = result.planes ? classes * n * 4 : n * cp * 4;
      let outBuf = qBuf;
      if (toPlanes) {
        outBuf = storage(outBytes, 'q planes', GPUBufferUsage.COPY_SRC);
        const params = uniform(new Uniforms().u(n, groups, classes, pixGrid.stride));
        run(toPlanes, bind(toPlanes, [params, qBuf, outBuf]), pixGrid);
      }
      pass.end();
      const staging = device.createBuffer({
        label: 'crf readback',
        size: outBytes,
        usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
      });
      buffers.push(staging);
      enc.copyBufferToBuffer(outBuf, 0, staging, 0, outBytes);
      device.queue.submit([enc.finish()]);
      await staging.mapAsync(GPUMapMode.READ);
      const mapped = new Float32Array(staging.getMappedRange(), 0, outBytes / 4);
      result.output?.set(mapped);
      const q = result.output ?? mapped.slice();
      staging.unmap();
      tick('webgpu: iterations + readback');
      done = { q, stride: result.planes ? 0 : cp };
    } catch (e) {
      failure = e;
    }
    const oom = await device.popErrorScope();
    const invalid = await device.popErrorScope();
    for (const b of buffers) b.destroy();
    const error = oom ?? invalid;
    if (error) throw new AtrousError('INTERNAL', `WebGPU dense CRF: ${error.message}`);
    if (failure !== undefined || !done) throw failure;
    return done;
  }
}

/** Set once the default threaded build failed to start here (then it stays on one thread). */
let noBuildThreads = false;

/** Cores of this host (navigator.hardwareConcurrency, or Node's availableParallelism). */
async function hostCores(): Promise<number> {
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  if (nav?.hardwareConcurrency) return nav.hardwareConcurrency;
  try {
    const os = await import('node:os');
    return os.availableParallelism?.() ?? os.cpus().length;
  } catch {
    return 1;
  }
}

/**
 * Threads for the WASM lattice build: `options.threads`, by default min(2, cores) where WASM
 * threads can run (the two kernels build concurrently; more threads only split the keys and
 * neighbours), and one thread if that pool cannot start. The lattices are the same either way.
 */
async function buildThreads(kernels: readonly CrfKernel[], options: CrfRunOptions): Promise<number> {
  if (options.threads !== undefined) return options.threads;
  if (noBuildThreads || threadsUnavailable() || kernels.length < 2) return 1;
  const threads = Math.min(2, await hostCores());
  if (threads === 1) return 1;
  try {
    await crfWasmThreads(threads);
    return threads;
  } catch (e) {
    if (!(e instanceof BackendUnavailableError)) throw e;
    noBuildThreads = true;
    return 1;
  }
}

/** Dense-CRF mean field on a fresh WebGPU device (destroyed afterwards). */
export async function latticeMeanFieldWebGpu(
  unary: Float64Array | Float32Array,
  classes: number,
  kernels: readonly CrfKernel[],
  iterations: number,
  options: WebGpuCrfOptions = {},
): Promise<{ q: Float32Array; stride: number; adapter: string }> {
  const crf = await WebGpuCrf.create().catch((e: unknown) => {
    if (e instanceof AtrousError) throw e;
    throw new BackendUnavailableError('webgpu', (e as Error).message);
  });
  try {
    const r = await crf.meanField(unary, classes, kernels, iterations, options);
    return { ...r, adapter: crf.adapterName };
  } finally {
    crf.release();
  }
}

/** WebGPU's default limits (128 MiB bindings): a 512x512x21 problem's largest buffer is ~30 MB. */
function deviceNeeds() {
  return { maxStorageBufferBindingSize: 128 << 20, maxBufferSize: 256 << 20 };
}

/** The largest buffer the problem needs must fit one storage binding of the device. */
function checkFits(device: GPUDevice, adapter: string, bytes: number): void {
  const limit = Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize);
  if (bytes > limit) {
    throw new BackendUnavailableError(
      'webgpu',
      `the dense CRF needs a ${bytes}-byte buffer but '${adapter}' binds at most ${limit}; use a smaller image or --backend wasm`,
    );
  }
}
