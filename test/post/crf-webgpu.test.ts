import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parallelRegions, threadsUnavailable } from '../../src/engine/backends/wasm/threads.js';
import { acquireDevice } from '../../src/engine/backends/webgpu/device.js';
import { Tensor } from '../../src/engine/tensor.js';
import { encodeRgbPng } from '../../src/io/mask.js';
import { encodeNpy, parseNpy } from '../../src/io/npy.js';
import { denseCrf } from '../../src/post/crf/index.js';
import { crfKernels, crfProblem } from '../../src/post/crf/inputs.js';
import { resolveCrfParams } from '../../src/post/crf/params.js';
import { latticeMeanFieldWebGpu } from '../../src/post/crf/webgpu.js';
import { storageBuffer } from '../../src/post/crf/webgpu-build.js';
import { cli, removeWorkDirs, workDir } from '../cli/models.js';
import { webgpuSkipReason } from '../webgpu/helpers.js';
import { agreement, argmax, astronautCrop, colourProbs, meanAbsDiff } from './crf-helpers.js';

const skip = await webgpuSkipReason();
if (skip) console.warn(`WebGPU dense-CRF tests skipped: ${skip}`);

// The GPU runs the same lattice (built in WASM) and the same operation order per value as the
// WASM SIMD path; only exp (WGSL builtin vs a Cephes polynomial) and FMA contraction differ.
// Observed on SwiftShader: mean |ΔQ| ~3e-8, max ~5e-7 over 10 iterations.
const MEAN_TOL = 1e-6;
const MAX_TOL = 1e-4;
const ARGMAX_MIN = 0.999;

describe.skipIf(skip !== undefined)('dense CRF on WebGPU vs WASM', () => {
  for (const c of [1, 3, 6, 21]) {
    it(`${c} classes, deeplab-v2 and densecrf presets: mean |ΔQ| <= ${MEAN_TOL}, argmax agreement >= ${ARGMAX_MIN}`, async () => {
      const image = astronautCrop(100, 200, 40);
      const probs = colourProbs(image, c, c + 1);
      for (const params of ['deeplab-v2', 'densecrf'] as const) {
        const wasm = await denseCrf({ probs, image, params, backend: 'wasm' });
        const gpu = await denseCrf({ probs, image, params, backend: 'webgpu' });
        expect(gpu.dims).toEqual([1, c, 40, 40]);
        let max = 0;
        for (let i = 0; i < gpu.data.length; i++) {
          max = Math.max(max, Math.abs((gpu.data[i] as number) - (wasm.data[i] as number)));
        }
        expect(meanAbsDiff(gpu, wasm)).toBeLessThanOrEqual(MEAN_TOL);
        expect(max).toBeLessThanOrEqual(MAX_TOL);
        expect(agreement(argmax(gpu), argmax(wasm))).toBeGreaterThanOrEqual(ARGMAX_MIN);
      }
    });
  }

  it('one kernel only (biW = 0), zero iterations, a non-square image', async () => {
    const image = astronautCrop(50, 60, 32);
    const wide = { width: 32, height: 16, data: image.data.subarray(0, 32 * 16 * 3) };
    const probs = colourProbs(wide, 5, 3);
    for (const params of [{ biW: 0 }, { iterations: 0 }, { posW: 0, iterations: 3 }]) {
      const wasm = await denseCrf({ probs, image: wide, params, backend: 'wasm' });
      const gpu = await denseCrf({ probs, image: wide, params, backend: 'webgpu' });
      expect(meanAbsDiff(gpu, wasm)).toBeLessThanOrEqual(MEAN_TOL);
    }
  });

  it('threads only change who builds the lattices: 1, 2 and the default give the same Q bit for bit', async () => {
    const image = astronautCrop(140, 160, 48);
    const probs = colourProbs(image, 6, 5);
    const one = await denseCrf({ probs, image, backend: 'webgpu', threads: 1 });
    for (const threads of [2, undefined]) {
      const before = parallelRegions().get('crfInsertKeys') ?? 0;
      const q = await denseCrf({ probs, image, backend: 'webgpu', threads });
      expect(Buffer.compare(new Uint8Array(q.data.buffer), new Uint8Array(one.data.buffer))).toBe(0);
      // The default is min(2, cores) threads where WASM threads run (Node here).
      const concurrent = threads === 2 || (availableParallelism() > 1 && !threadsUnavailable());
      const built = (parallelRegions().get('crfInsertKeys') ?? 0) - before;
      expect(built, `kernels built concurrently (threads ${threads})`).toBe(concurrent ? 1 : 0);
    }
  });

  it('denseCrf (float32 unary, feature writers, lattices uploaded from module memory) = the f64 unary and feature arrays, bit for bit', async () => {
    const image = astronautCrop(20, 240, 37);
    const probs = colourProbs(image, 7, 9);
    for (const threads of [1, 2]) {
      const viaApi = await denseCrf({ probs, image, backend: 'webgpu', threads });
      const p = crfProblem({ probs, image });
      const params = resolveCrfParams('deeplab-v2');
      const old = await latticeMeanFieldWebGpu(p.unary, 7, crfKernels(p, params), params.iterations, {
        threads,
      });
      let same = 0;
      const n = 37 * 37;
      for (let i = 0; i < n; i++) {
        for (let l = 0; l < 7; l++) if (viaApi.data[l * n + i] === old.q[i * old.stride + l]) same++;
      }
      expect(same).toBe(7 * n);
    }
  });

  it("layout 'planes' turns Q on the GPU: the pixel rows transposed, into `output` when given, which must fit", async () => {
    const image = astronautCrop(300, 40, 29);
    const p = crfProblem({ probs: colourProbs(image, 5, 2), image });
    const kernels = crfKernels(p, resolveCrfParams('densecrf'));
    const n = 29 * 29;
    const rows = await latticeMeanFieldWebGpu(p.unary, 5, kernels, 3);
    const output = new Float32Array(5 * n);
    const planes = await latticeMeanFieldWebGpu(p.unary, 5, kernels, 3, { layout: 'planes', output });
    expect(planes.stride).toBe(0);
    expect(planes.q).toBe(output);
    let same = 0;
    for (let i = 0; i < n; i++)
      for (let l = 0; l < 5; l++) if (output[l * n + i] === rows.q[i * rows.stride + l]) same++;
    expect(same).toBe(5 * n);
    await expect(
      latticeMeanFieldWebGpu(p.unary, 5, kernels, 3, {
        layout: 'planes',
        output: new Float32Array(5 * n - 1),
      }),
    ).rejects.toThrow(/output takes Q as 5 planes of 841/);
  });

  it('denseCrf out on webgpu: Q read back into the tensor passed, the same as a fresh one', async () => {
    const image = astronautCrop(220, 90, 24);
    const probs = colourProbs(image, 6, 4);
    const fresh = await denseCrf({ probs, image, backend: 'webgpu' });
    const out = new Tensor('float32', [1, 6, 24, 24], new Float32Array(6 * 576).fill(Number.NaN));
    for (let call = 0; call < 2; call++) {
      expect(await denseCrf({ probs, image, backend: 'webgpu', out })).toBe(out);
      expect(out.data).toEqual(fresh.data);
    }
  });

  it('uploads out of shared memory (a threaded module) in 1 MiB chunks: the GPU buffer holds every byte', async () => {
    const gpu = await acquireDevice();
    const owned: GPUBuffer[] = [];
    try {
      const count = (5 << 20) / 4 + 12; // 5 MiB + 48 bytes: five whole chunks and a part
      const shared = new Int32Array(new SharedArrayBuffer(count * 4 + 64), 64, count);
      for (let i = 0; i < count; i++) shared[i] = (i * 2654435761) | 0;
      const buf = storageBuffer(gpu.device, shared, 'shared', owned, GPUBufferUsage.COPY_SRC);
      const read = gpu.device.createBuffer({
        size: count * 4,
        usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
      });
      owned.push(read);
      const enc = gpu.device.createCommandEncoder();
      enc.copyBufferToBuffer(buf, 0, read, 0, count * 4);
      gpu.device.queue.submit([enc.finish()]);
      await read.mapAsync(GPUMapMode.READ);
      const back = new Int32Array(read.getMappedRange().slice(0));
      read.unmap();
      let differ = 0;
      for (let i = 0; i < count; i++) if (back[i] !== shared[i]) differ++;
      expect(back.length).toBe(count);
      expect(differ).toBe(0);
    } finally {
      for (const b of owned) b.destroy();
      gpu.destroy();
    }
  });

  it('reports the adapter and returns Q rows that sum to 1 (padding lanes 0)', async () => {
    const image = astronautCrop(0, 0, 16);
    const p = crfProblem({ probs: colourProbs(image, 3, 9), image });
    const kernels = crfKernels(p, resolveCrfParams('deeplab-v1'));
    const { q, stride, adapter } = await latticeMeanFieldWebGpu(p.unary, 3, kernels, 5);
    expect(adapter.length).toBeGreaterThan(0);
    expect(stride).toBe(4);
    for (let i = 0; i < 256; i++) {
      expect((q[i * 4] as number) + (q[i * 4 + 1] as number) + (q[i * 4 + 2] as number)).toBeCloseTo(1, 5);
      expect(q[i * 4 + 3]).toBe(0);
    }
  });
});

describe.skipIf(skip !== undefined)('atrous crf --backend webgpu', () => {
  afterAll(removeWorkDirs);
  it('writes the same Q as --backend wasm and names the backend', async () => {
    const dir = workDir();
    const image = astronautCrop(120, 180, 24);
    const img = join(dir, 'img.png');
    writeFileSync(img, encodeRgbPng(image));
    const probs = join(dir, 'p.npy');
    writeFileSync(probs, encodeNpy(colourProbs(image, 4, 2)));
    const q = async (backend: string) => {
      const out = join(dir, `q-${backend}.npy`);
      const r = await cli('crf', '--image', img, '--probs', probs, '--out', out, '--backend', backend);
      expect(r.code).toBe(0);
      expect(r.out[0]).toBe(`${out}: Q [1, 4, 24, 24], 10 iterations (lattice/${backend})`);
      return parseNpy(new Uint8Array(readFileSync(out)));
    };
    expect(meanAbsDiff(await q('webgpu'), await q('wasm'))).toBeLessThanOrEqual(MEAN_TOL);
  });
});
