/// <reference types="@webgpu/types" />

import type { PipelineCache } from '../../engine/backends/webgpu/pipelines.js';
import { WG } from '../../engine/backends/webgpu/types.js';
import { Uniforms } from '../../engine/backends/webgpu/uniforms.js';
import { AtrousError } from '../../errors.js';
import type { KernelFeatures } from './inputs.js';
import { latticeScales } from './lattice.js';

/**
 * One kernel's lattice in GPU buffers, as the iteration kernels read it (crf_splat, crf_blur,
 * crf_update): per pixel vertex its point id (offsets, u32) and slice weight (weight · alpha ·
 * n(i) · w), the splat CSR per point (start: m + 2 u32; pix and splat weights w · n(pix)), and
 * the blur neighbours (d1 x m x 2 u32).
 */
export interface DeviceLattice {
  d1: number;
  m: number;
  offsets: GPUBuffer;
  slice: GPUBuffer;
  start: GPUBuffer;
  pix: GPUBuffer;
  splat: GPUBuffer;
  neighbors: GPUBuffer;
}

/** Largest feature dimension the GPU build takes (its per-invocation arrays hold d + 2 values). */
export const GPU_BUILD_MAX_DIMS = 6;
/** |feature| bound: the elevated coordinates stay far inside i32 (crf_build_elevate's to_int). */
const MAX_FEATURE = 2 ** 20;
const MAX_GROUPS_X = 65535;

export interface Grid {
  x: number;
  y: number;
  /** Invocations per dispatch row: the kernels linearize gid.x + gid.y * stride. */
  stride: number;
}

/** A dispatch of `items` invocations in workgroups of `wg`, over two dimensions past 65535 groups. */
export function grid(items: number, wg = WG): Grid {
  const groups = Math.max(1, Math.ceil(items / wg));
  const x = Math.min(groups, MAX_GROUPS_X);
  return { x, y: Math.ceil(groups / x), stride: x * wg };
}

/**
 * A STORAGE | COPY_DST (| `extra`) buffer, a multiple of 16 bytes, holding `data` (or `data`
 * bytes of zeros), pushed on `owned` for the caller to destroy.
 */
export function storageBuffer(
  device: GPUDevice,
  data: ArrayBufferView | number,
  label: string,
  owned: GPUBuffer[],
  extra = 0,
): GPUBuffer {
  const bytes = typeof data === 'number' ? data : data.byteLength;
  const buf = device.createBuffer({
    label,
    size: Math.max(16, Math.ceil(bytes / 16) * 16),
    usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | extra,
  });
  owned.push(buf);
  if (typeof data !== 'number') writeFrom(device, buf, data);
  return buf;
}

/** Bytes of the reused copy buffer for writes out of shared memory (writeFrom). */
const SHARED_CHUNK = 1 << 20;
let sharedChunk: Uint8Array | undefined;

/**
 * Writes `data` at the start of `buf`. Dawn's Node binding refuses writes out of a
 * SharedArrayBuffer (a threaded WASM module's memory, where the CRF lattices are built), so those
 * go through one reused 1 MiB buffer, chunk by chunk (writeBuffer copies at the call).
 */
function writeFrom(device: GPUDevice, buf: GPUBuffer, data: ArrayBufferView): void {
  if (typeof SharedArrayBuffer === 'undefined' || !(data.buffer instanceof SharedArrayBuffer)) {
    device.queue.writeBuffer(buf, 0, data.buffer, data.byteOffset, data.byteLength);
    return;
  }
  sharedChunk ??= new Uint8Array(SHARED_CHUNK);
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  for (let at = 0; at < bytes.length; at += SHARED_CHUNK) {
    const part = bytes.subarray(at, Math.min(bytes.length, at + SHARED_CHUNK));
    sharedChunk.set(part);
    // Sizes are multiples of 4 (typed arrays of 32-bit values), as writeBuffer requires.
    device.queue.writeBuffer(buf, at, sharedChunk.buffer, 0, part.length);
  }
}

/** A uniform buffer holding `u`, pushed on `owned`. */
export function uniformBuffer(device: GPUDevice, u: Uniforms, label: string, owned: GPUBuffer[]): GPUBuffer {
  const bytes = u.bytes();
  const buf = device.createBuffer({
    label,
    size: bytes.byteLength,
    usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
  });
  owned.push(buf);
  device.queue.writeBuffer(buf, 0, bytes);
  return buf;
}

/** Hash slots for `vertices` keys: a power of two, at most half full even if every key is new. */
function tableSlots(vertices: number): number {
  let slots = 1024;
  while (slots < 2 * vertices) slots *= 2;
  return slots;
}

/** The largest buffer the GPU build makes for this kernel, in bytes. */
function largestBuildBuffer(n: number, d: number): number {
  const d1 = d + 1;
  return Math.max(n * d1 * d * 4, tableSlots(n * d1) * 4, n * d * 8, (n * d1 + 2) * 4);
}

/**
 * Why the GPU build cannot take these kernels on `device`, or undefined when it can: features of
 * more than GPU_BUILD_MAX_DIMS dimensions or too large, or a build buffer (the keys: n · (d + 1) · d
 * i32, the table: 2 · n · (d + 1) slots rounded up to a power of two) past the device's limits.
 */
export function gpuBuildProblem(
  limits: { maxStorageBufferBindingSize: number; maxBufferSize: number },
  kernels: readonly KernelFeatures[],
  n: number,
): string | undefined {
  const limit = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
  for (const k of kernels) {
    if (k.dims > GPU_BUILD_MAX_DIMS) {
      return `${k.dims}-dimensional features (the GPU build takes at most ${GPU_BUILD_MAX_DIMS})`;
    }
    let max = 0;
    for (let i = 0; i < k.features.length; i++) max = Math.max(max, Math.abs(k.features[i] as number));
    if (!(max < MAX_FEATURE)) return `a feature of magnitude ${max} (the GPU build takes < ${MAX_FEATURE})`;
    const bytes = largestBuildBuffer(n, k.dims);
    if (bytes > limit) {
      return `its ${k.dims}-d lattice needs a ${bytes}-byte buffer but the device binds at most ${limit}`;
    }
  }
  return undefined;
}

const STEPS = [
  'crf_build_elevate',
  'crf_build_insert',
  'crf_build_first',
  'crf_build_flag',
  'crf_build_scan',
  'crf_build_scan_add',
  'crf_build_ids',
  'crf_build_fill',
  'crf_build_sort',
  'crf_build_neighbors',
  'crf_build_norm_splat',
  'crf_blur',
  'crf_build_norm',
  'crf_build_scale',
] as const;
type Step = (typeof STEPS)[number];
/** The scan kernels' fixed block (and workgroup) size. */
const SCAN_BLOCK = 256;

/** Buffers and dispatches of one build: `scratch` is destroyed after it, `kept` returned. */
class Recorder {
  readonly scratch: GPUBuffer[] = [];
  constructor(
    readonly device: GPUDevice,
    readonly pipes: Record<Step, GPUComputePipeline>,
  ) {}

  storage(data: ArrayBufferView | number, name: string, kept?: GPUBuffer[], extra = 0): GPUBuffer {
    const usage = GPUBufferUsage.COPY_SRC | extra;
    return storageBuffer(this.device, data, `crf build ${name}`, kept ?? this.scratch, usage);
  }

  /** Runs `step` over `items` invocations with a uniform `params` and `buffers` at bindings 1.. */
  run(pass: GPUComputePassEncoder, step: Step, params: Uniforms, buffers: GPUBuffer[], g: Grid): void {
    const u = uniformBuffer(this.device, params, `crf build ${step} params`, this.scratch);
    const pipeline = this.pipes[step];
    pass.setPipeline(pipeline);
    pass.setBindGroup(
      0,
      this.device.createBindGroup({
        layout: pipeline.getBindGroupLayout(0),
        entries: [u, ...buffers].map((buffer, binding) => ({ binding, resource: { buffer } })),
      }),
    );
    pass.dispatchWorkgroups(g.x, g.y);
  }

  /** Exclusive prefix sum of `count` u32s of `buf`, in place (block scans, recursively). */
  scan(pass: GPUComputePassEncoder, buf: GPUBuffer, count: number): void {
    const blocks = Math.ceil(count / SCAN_BLOCK);
    const sums = this.storage(blocks * 4, 'scan sums');
    const g = grid(count, SCAN_BLOCK);
    this.run(pass, 'crf_build_scan', new Uniforms().u(count), [buf, sums], g);
    if (blocks > 1) {
      this.scan(pass, sums, blocks);
      this.run(pass, 'crf_build_scan_add', new Uniforms().u(count), [buf, sums], g);
    }
  }

  destroy(): void {
    for (const b of this.scratch) b.destroy();
  }
}

/** The f64 constants of the elevation (bit pairs): the d scales of buildLattice, then 1 / (d + 1). */
function elevationConstants(d: number): Float64Array {
  const c = new Float64Array(d + 1);
  c.set(latticeScales(d));
  c[d] = 1.0 / (d + 1);
  return c;
}

/** Per-phase milliseconds (the WebGPU CRF's phaseClock). */
type Tick = (phase: string) => void;

/**
 * Builds every kernel's lattice on the GPU (kernels/crf_build_*.wgsl): the same points, ids,
 * barycentric weights, neighbours and splat CSR as WASM's build (the elevation in emulated f64,
 * ids in order of first occurrence, each CSR list sorted by pixel), then the normalization
 * through the lattice and folded into the weights (f32 on the GPU: within rounding of WASM's).
 * Two submissions: hashing and ids (then m is read back, to size the rest), then the CSR,
 * neighbours and normalization. The returned buffers go to `kept` (the caller destroys them).
 * `raw` stops before the normalization: offsets / slice then hold the plain ids and barycentric
 * weights (for tests against buildLatticeWasm); `phases` submits the elevation on its own and
 * waits for it, so that `tick` times it apart (benches).
 */
export async function buildLatticesGpu(
  device: GPUDevice,
  pipelines: PipelineCache,
  kernels: readonly KernelFeatures[],
  n: number,
  kept: GPUBuffer[],
  tick: Tick = () => {},
  opts: { raw?: boolean; phases?: boolean } = {},
): Promise<DeviceLattice[]> {
  const label = { node: 'denseCrf', op: 'DenseCRF' };
  // (The scan kernels have a fixed workgroup, SCAN_BLOCK: no WG override.)
  const compiled = await Promise.all(
    STEPS.map((s) => pipelines.get(s, s.startsWith('crf_build_scan') ? {} : { WG }, label)),
  );
  const rec = new Recorder(
    device,
    Object.fromEntries(STEPS.map((s, i) => [s, compiled[i]])) as Record<Step, GPUComputePipeline>,
  );
  tick('gpu build: pipelines');
  try {
    const hashed = kernels.map((k, i) => {
      const d = k.dims;
      const d1 = d + 1;
      const total = n * d1;
      return {
        k,
        d,
        d1,
        total,
        slots: tableSlots(total),
        consts: rec.storage(elevationConstants(d), `consts ${i}`),
        features: rec.storage(k.features, `features ${i}`),
        keys: rec.storage(total * d * 4, `keys ${i}`),
        weights: rec.storage(total * 4, `weights ${i}`, kept),
        table: rec.storage(tableSlots(total) * 4, `table ${i}`),
        slot: rec.storage(total * 4, `slot ${i}`),
        prefix: rec.storage(total * 4, `prefix ${i}`),
        offsets: rec.storage(total * 4, `offsets ${i}`, kept),
        rep: rec.storage(total * 4, `rep ${i}`),
        counts: rec.storage((total + 2) * 4, `counts ${i}`, kept),
        status: rec.storage(16, `status ${i}`),
      };
    });
    tick('gpu build: upload');
    let enc = device.createCommandEncoder({ label: 'crf build: hash' });
    let pass = enc.beginComputePass({ label: 'crf build: hash' });
    for (const h of hashed) {
      const gp = grid(n);
      const elevate = [h.consts, h.features, h.keys, h.weights];
      rec.run(pass, 'crf_build_elevate', new Uniforms().u(n, h.d, gp.stride), elevate, gp);
    }
    if (opts.phases) {
      pass.end();
      device.queue.submit([enc.finish()]);
      await device.queue.onSubmittedWorkDone();
      tick('gpu build: elevate (GPU)');
      enc = device.createCommandEncoder({ label: 'crf build: hash' });
      pass = enc.beginComputePass({ label: 'crf build: hash' });
    }
    for (const h of hashed) {
      const gv = grid(h.total);
      const vertices = [h.keys, h.table, h.slot, h.status];
      rec.run(pass, 'crf_build_insert', new Uniforms().u(h.total, h.d, h.slots - 1, gv.stride), vertices, gv);
      rec.run(pass, 'crf_build_first', new Uniforms().u(h.total, gv.stride), [h.slot, h.table], gv);
      rec.run(pass, 'crf_build_flag', new Uniforms().u(h.total, gv.stride), [h.slot, h.table, h.prefix], gv);
      rec.scan(pass, h.prefix, h.total);
      const ids = [h.slot, h.table, h.prefix, h.offsets, h.rep, h.counts, h.status];
      rec.run(pass, 'crf_build_ids', new Uniforms().u(h.total, gv.stride), ids, gv);
    }
    pass.end();
    const staging = device.createBuffer({
      label: 'crf build status',
      size: 16 * hashed.length,
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    });
    rec.scratch.push(staging);
    hashed.forEach((h, i) => {
      enc.copyBufferToBuffer(h.status, 0, staging, 16 * i, 16);
    });
    device.queue.submit([enc.finish()]);
    await staging.mapAsync(GPUMapMode.READ);
    const status = new Uint32Array(staging.getMappedRange().slice(0));
    staging.unmap();
    tick('gpu build: hash + ids (GPU, m read back)');
    const built = hashed.map((h, i) => {
      if ((status[4 * i] as number) & 1) {
        throw new AtrousError(
          'INTERNAL',
          `GPU lattice build: the ${h.d}-d hash table of ${h.slots} slots filled up (${h.total} pixel vertices)`,
        );
      }
      return { ...h, m: status[4 * i + 1] as number };
    });
    const out: DeviceLattice[] = [];
    const enc2 = device.createCommandEncoder({ label: 'crf build: csr' });
    const scanPass = enc2.beginComputePass({ label: 'crf build: starts' });
    for (const b of built) rec.scan(scanPass, b.counts, b.m + 2);
    scanPass.end();
    const cursors = built.map((b, i) => {
      const cursor = rec.storage((b.m + 2) * 4, `cursor ${i}`);
      enc2.copyBufferToBuffer(b.counts, 0, cursor, 0, (b.m + 2) * 4);
      return cursor;
    });
    const pass2 = enc2.beginComputePass({ label: 'crf build: csr, neighbours, norm' });
    built.forEach((b, i) => {
      const { d, d1, m, total } = b;
      const pix = rec.storage(total * 4, `pix ${i}`, kept);
      const splat = rec.storage(total * 4, `splat ${i}`, kept);
      const neighbors = rec.storage(d1 * m * 8, `neighbors ${i}`, kept);
      const gv = grid(total);
      const gm = grid(m);
      const fill = [b.offsets, b.weights, cursors[i] as GPUBuffer, pix, splat];
      rec.run(pass2, 'crf_build_fill', new Uniforms().u(total, d1, gv.stride), fill, gv);
      rec.run(pass2, 'crf_build_sort', new Uniforms().u(m, gm.stride), [b.counts, pix, splat], gm);
      const gn = grid(m * d1);
      const nb = [b.keys, b.rep, b.table, b.prefix, neighbors];
      rec.run(pass2, 'crf_build_neighbors', new Uniforms().u(m, d, b.slots - 1, gn.stride), nb, gn);
      out.push({ d1, m, offsets: b.offsets, slice: b.weights, start: b.counts, pix, splat, neighbors });
      if (opts.raw) return;
      // n_k = 1 / sqrt(alpha · slice(blur(splat(1)))), then folded into both weights.
      const va = rec.storage((m + 1) * 16, `norm vals a ${i}`);
      const vb = rec.storage((m + 1) * 16, `norm vals b ${i}`);
      const norm = rec.storage(n * 4, `norm ${i}`);
      rec.run(pass2, 'crf_build_norm_splat', new Uniforms().u(m, gm.stride), [b.counts, splat, va], gm);
      for (let j = 0; j < d1; j++) {
        const [src, dst] = j % 2 === 0 ? [va, vb] : [vb, va];
        rec.run(pass2, 'crf_blur', new Uniforms().u(m, 1, gm.stride, j), [neighbors, src, dst], gm);
      }
      const alpha = 1 / (1 + 2 ** -d);
      const gp = grid(n);
      const blurred = d1 % 2 === 0 ? va : vb;
      const slice = [b.offsets, b.weights, blurred, norm];
      rec.run(pass2, 'crf_build_norm', new Uniforms().u(n, d1, gp.stride).f(alpha), slice, gp);
      const scale = [norm, pix, splat, b.weights];
      rec.run(
        pass2,
        'crf_build_scale',
        new Uniforms().u(total, d1, gv.stride).f(b.k.weight * alpha),
        scale,
        gv,
      );
    });
    pass2.end();
    device.queue.submit([enc2.finish()]);
    // (The iterations wait for the upload of the unaries anyway: this makes the phase its own.)
    await device.queue.onSubmittedWorkDone();
    tick('gpu build: csr + neighbours + norm (GPU)');
    return out;
  } finally {
    // Destroying after submit is valid: the queued work keeps what it uses.
    rec.destroy();
  }
}
