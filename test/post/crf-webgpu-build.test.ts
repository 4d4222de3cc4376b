import { afterAll, describe, expect, it } from 'vitest';
import { acquireDevice, type GpuContext } from '../../src/engine/backends/webgpu/device.js';
import { PipelineCache } from '../../src/engine/backends/webgpu/pipelines.js';
import { BackendUnavailableError } from '../../src/errors.js';
import type { RgbImage } from '../../src/io/image.js';
import { crfKernels, crfProblem, type KernelFeatures } from '../../src/post/crf/inputs.js';
import { resolveCrfParams } from '../../src/post/crf/params.js';
import { buildCrfLatticesWasm, buildLatticeWasm } from '../../src/post/crf/wasm.js';
import { WebGpuCrf } from '../../src/post/crf/webgpu.js';
import { buildLatticesGpu, type DeviceLattice, gpuBuildProblem } from '../../src/post/crf/webgpu-build.js';
import { webgpuSkipReason } from '../webgpu/helpers.js';
import { astronautCrop, colourProbs } from './crf-helpers.js';

const skip = await webgpuSkipReason();
if (skip) console.warn(`WebGPU lattice-build tests skipped: ${skip}`);

// The GPU build gives WASM's lattice exactly (ids by first occurrence, the elevation in emulated
// f64, CSR lists sorted by pixel); only the normalization is f32 GPU arithmetic (FMA, sqrt and
// division may differ from WASM's by an ulp on some GPUs). Observed on SwiftShader: |ΔQ| = 0.
const WEIGHT_TOL = 1e-6;
const MEAN_TOL = 1e-6;
const MAX_TOL = 1e-4;
const ARGMAX_MIN = 0.999;

/** A width x height crop of the astronaut (rows of a square crop). */
function crop(x0: number, y0: number, width: number, height: number): RgbImage {
  const sq = astronautCrop(x0, y0, Math.max(width, height));
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    data.set(sq.data.subarray(y * sq.width * 3, (y * sq.width + width) * 3), y * width * 3);
  }
  return { width, height, data };
}

function kernelsOf(image: RgbImage, preset: 'deeplab-v2' | 'densecrf'): KernelFeatures[] {
  const p = crfProblem({ probs: colourProbs(image, 2, 1), image });
  return crfKernels(p, resolveCrfParams(preset));
}

describe.skipIf(skip !== undefined)('dense-CRF lattice built on WebGPU', () => {
  let ctx: GpuContext;
  let crf: WebGpuCrf;
  const ready = (async () => {
    ctx = await acquireDevice();
    crf = await WebGpuCrf.create(ctx);
  })();
  afterAll(async () => {
    await ready;
    ctx.destroy();
  });

  async function read(buf: GPUBuffer, bytes: number): Promise<ArrayBuffer> {
    const { device } = ctx;
    const size = Math.max(4, Math.ceil(bytes / 4) * 4);
    const staging = device.createBuffer({ size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    const enc = device.createCommandEncoder();
    enc.copyBufferToBuffer(buf, 0, staging, 0, size);
    device.queue.submit([enc.finish()]);
    await staging.mapAsync(GPUMapMode.READ);
    const out = staging.getMappedRange().slice(0, bytes);
    staging.unmap();
    staging.destroy();
    return out;
  }

  async function build(ks: readonly KernelFeatures[], n: number, raw: boolean): Promise<DeviceLattice[]> {
    await ready;
    const kept: GPUBuffer[] = [];
    ctx.device.pushErrorScope('validation');
    const ls = await buildLatticesGpu(ctx.device, new PipelineCache(ctx.device), ks, n, kept, undefined, {
      raw,
    });
    expect((await ctx.device.popErrorScope())?.message).toBeUndefined();
    return ls;
  }

  const sizes = [
    [33, 33],
    [29, 17],
    [3, 2],
    [1, 1],
  ] as const;
  for (const [w, h] of sizes) {
    it(`${w}x${h}, both presets: the same points (m), ids, barycentric weights and neighbours as WASM, bit for bit`, async () => {
      const image = crop(90, 190, w, h);
      const n = w * h;
      for (const preset of ['deeplab-v2', 'densecrf'] as const) {
        const ks = kernelsOf(image, preset);
        const gpu = await build(ks, n, true);
        for (const [i, k] of ks.entries()) {
          const want = await buildLatticeWasm(k.features, n, k.dims);
          const got = gpu[i] as DeviceLattice;
          const e = n * got.d1;
          expect(got.m, `${preset} d=${k.dims} points`).toBe(want.points);
          expect(new Int32Array(await read(got.offsets, e * 4))).toEqual(want.offsets);
          const weights = new Uint32Array(await read(got.slice, e * 4));
          expect(weights).toEqual(new Uint32Array(want.weights.buffer));
          expect(new Int32Array(await read(got.neighbors, got.d1 * got.m * 8))).toEqual(want.neighbors);
        }
      }
    });
  }

  it('the splat CSR matches WASM exactly, the normalized weights within 1e-6', async () => {
    const image = crop(140, 160, 31, 26);
    const n = image.width * image.height;
    for (const preset of ['deeplab-v2', 'densecrf'] as const) {
      const ks = kernelsOf(image, preset);
      const gpu = await build(ks, n, false);
      const want = await buildCrfLatticesWasm(ks, n);
      for (const [i, l] of want.entries()) {
        const got = gpu[i] as DeviceLattice;
        const e = n * l.d1;
        expect(new Int32Array(await read(got.start, (l.m + 2) * 4))).toEqual(l.start);
        expect(new Int32Array(await read(got.pix, e * 4))).toEqual(l.pix);
        for (const [buf, ref] of [
          [got.splat, l.splat],
          [got.slice, l.slice],
        ] as const) {
          const v = new Float32Array(await read(buf, e * 4));
          let worst = 0;
          for (let j = 0; j < e; j++) {
            const r = ref[j] as number;
            worst = Math.max(worst, Math.abs((v[j] as number) - r) / Math.max(1e-30, Math.abs(r)));
          }
          expect(worst, `${preset} kernel ${i} relative weight error`).toBeLessThanOrEqual(WEIGHT_TOL);
        }
      }
    }
  });

  for (const classes of [5, 8]) {
    it(`${classes} classes, both presets: Q from the GPU build within mean ${MEAN_TOL} / max ${MAX_TOL} of the WASM build's, argmax >= ${ARGMAX_MIN}`, async () => {
      await ready;
      const image = crop(100, 200, 35, 27);
      const n = image.width * image.height;
      const p = crfProblem({ probs: colourProbs(image, classes, classes), image });
      for (const preset of ['deeplab-v2', 'densecrf'] as const) {
        const params = resolveCrfParams(preset);
        const ks = crfKernels(p, params);
        const w = await crf.meanField(p.unary, classes, ks, params.iterations, { build: 'wasm' });
        const g = await crf.meanField(p.unary, classes, ks, params.iterations, { build: 'gpu' });
        expect(g.stride).toBe(w.stride);
        let sum = 0;
        let max = 0;
        let agree = 0;
        for (let i = 0; i < n; i++) {
          let aw = 0;
          let ag = 0;
          for (let c = 0; c < classes; c++) {
            const a = w.q[i * w.stride + c] as number;
            const b = g.q[i * g.stride + c] as number;
            sum += Math.abs(a - b);
            max = Math.max(max, Math.abs(a - b));
            if (a > (w.q[i * w.stride + aw] as number)) aw = c;
            if (b > (g.q[i * g.stride + ag] as number)) ag = c;
          }
          if (aw === ag) agree++;
        }
        expect(sum / (n * classes)).toBeLessThanOrEqual(MEAN_TOL);
        expect(max).toBeLessThanOrEqual(MAX_TOL);
        expect(agree / n).toBeGreaterThanOrEqual(ARGMAX_MIN);
      }
    });
  }

  it('defaults to the WASM build; a forced GPU build names what it cannot take', async () => {
    await ready;
    const ks = kernelsOf(crop(0, 0, 8, 8), 'deeplab-v2');
    expect(crf.buildSource(ks, 64)).toBe('wasm');
    expect(crf.buildSource(ks, 64, 'gpu')).toBe('gpu');
    expect(crf.buildSource(ks, 64, 'wasm')).toBe('wasm');
    const wide: KernelFeatures = { dims: 7, weight: 1, features: new Float64Array(64 * 7) };
    expect(() => crf.buildSource([wide], 64, 'gpu')).toThrow(BackendUnavailableError);
    expect(() => crf.buildSource([wide], 64, 'gpu')).toThrow(/7-dimensional features/);
    const limits = { maxStorageBufferBindingSize: 1 << 20, maxBufferSize: 1 << 20 };
    expect(gpuBuildProblem(limits, ks, 512 * 512)).toMatch(
      /needs a \d+-byte buffer but the device binds at most 1048576/,
    );
    const huge: KernelFeatures = { dims: 2, weight: 1, features: new Float64Array([0, 0, 3e6, 1]) };
    expect(gpuBuildProblem(ctx.device.limits, [huge], 2)).toMatch(/magnitude 3000000/);
  });
});
