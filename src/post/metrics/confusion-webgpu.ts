/// <reference types="@webgpu/types" />
import { acquireDevice, type GpuContext } from '../../engine/backends/webgpu/device.js';
import { PipelineCache } from '../../engine/backends/webgpu/pipelines.js';
import { Uniforms } from '../../engine/backends/webgpu/uniforms.js';
import { AtrousError, InputError } from '../../errors.js';
import type { Labels, SkipCounts } from './confusion.js';

/** Knobs for tests (defaults suit real use). */
export interface WebGpuConfusionOptions {
  /** Invocations per workgroup (default 256). */
  workgroupSize?: number;
  /** Pixels per invocation (default: chosen from the image size). */
  itemsPerThread?: number;
  /** Histogram in workgroup memory first (default: when classes² + 2 <= 4096). */
  workgroupHistogram?: boolean;
  /** Most pixels per dispatch (default: what fits one storage binding). */
  maxChunkPixels?: number;
}

const LOCAL_BINS = 4096; // 16 KiB of workgroup memory, WebGPU's guaranteed minimum
const MAX_GROUPS_X = 65535;
/**
 * Workgroups per dispatch to aim for. With the workgroup histogram, each workgroup pays a clear,
 * two barriers and a flush: on SwiftShader 64 workgroups of 16 pixels per invocation took 24 ms
 * for 512x512 labels, 1024 workgroups of 1 pixel 170 ms (not tuned on a real GPU).
 */
const TARGET_GROUPS_LOCAL = 64;
const TARGET_GROUPS_GLOBAL = 4096;

/**
 * The confusion matrix accumulated by kernels/confusion.wgsl (atomics, argmax fused for scores).
 * Same rules and result as ConfusionMatrix. The GPU counts in u32 per image (a single image has
 * far fewer than 2^32 pixels): after every image they are read back and added into a Float64
 * host matrix, which stays exact up to 2^53. Images larger than one storage binding are split into
 * pixel chunks (scores are re-gathered per chunk so each channel's slice stays contiguous).
 * Call `release()` when done: it destroys the device (a Dawn process may not exit otherwise).
 */
export class WebGpuConfusion {
  readonly counts: Float64Array;
  readonly skipped: SkipCounts = { unknownTruth: 0, badPrediction: 0 };
  private readonly bins: number;
  private readonly local: boolean;
  private readonly wg: number;
  private readonly countsBuf: GPUBuffer;
  private readonly staging: GPUBuffer;
  private readonly params: GPUBuffer;
  private src: GPUBuffer | undefined;
  private truth: GPUBuffer | undefined;
  /** Images run one after another: each clears, fills and reads back the same count buffer. */
  private queue: Promise<void> = Promise.resolve();

  private constructor(
    private readonly ctx: GpuContext,
    private readonly pipelines: PipelineCache,
    readonly classes: number,
    readonly ignoreLabel: number,
    private readonly options: WebGpuConfusionOptions,
  ) {
    this.counts = new Float64Array(classes * classes);
    this.bins = classes * classes + 2;
    this.local = options.workgroupHistogram ?? this.bins <= LOCAL_BINS;
    if (this.local && this.bins > LOCAL_BINS) {
      throw new InputError(
        `a workgroup histogram holds at most ${LOCAL_BINS} bins, ${classes} classes need ${this.bins}`,
      );
    }
    this.wg = options.workgroupSize ?? 256;
    const device = ctx.device;
    const bytes = this.bins * 4;
    this.countsBuf = device.createBuffer({
      label: 'confusion counts',
      size: bytes,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
    });
    this.staging = device.createBuffer({
      label: 'confusion readback',
      size: bytes,
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    });
    this.params = device.createBuffer({
      label: 'confusion params',
      size: 32,
      usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
    });
  }

  static async create(
    classes: number,
    ignoreLabel = 255,
    options: WebGpuConfusionOptions = {},
  ): Promise<WebGpuConfusion> {
    if (!Number.isInteger(classes) || classes < 1 || classes > 65535) {
      throw new InputError(`a confusion matrix needs 1..65535 classes, got ${classes}`);
    }
    const ctx = await acquireDevice();
    try {
      return new WebGpuConfusion(ctx, new PipelineCache(ctx.device), classes, ignoreLabel, options);
    } catch (e) {
      ctx.destroy();
      throw e;
    }
  }

  /** The adapter the counts run on (for reports). */
  get adapterName(): string {
    return this.ctx.adapterName;
  }

  addLabels(pred: Labels, truth: Labels): Promise<void> {
    if (pred.length !== truth.length) {
      throw new InputError(`prediction has ${pred.length} pixels but the ground truth has ${truth.length}`);
    }
    const p = packLabels(pred);
    const t = packLabels(truth);
    return this.enqueue(() =>
      this.accumulate(false, 1, pred.length, t, (buf, a, n) =>
        put(this.ctx.device.queue, buf, 0, p, a, evenUp(n)),
      ),
    );
  }

  /** One image's scores, planar (channels × pixels); the argmax runs on the GPU. */
  addLogits(logits: Float32Array, channels: number, truth: Labels): Promise<void> {
    const plane = truth.length;
    if (!Number.isInteger(channels) || channels < 1 || logits.length !== channels * plane) {
      throw new InputError(
        `scores have ${logits.length} values, expected ${channels} channels x ${plane} pixels`,
      );
    }
    const t = packLabels(truth);
    const queue = this.ctx.device.queue;
    return this.enqueue(() =>
      this.accumulate(true, channels, plane, t, (buf, a, n) => {
        // Each channel's slice of this chunk, one after another: (channels, n) planar.
        for (let c = 0; c < channels; c++) put(queue, buf, c * n * 4, logits, c * plane + a, n);
      }),
    );
  }

  /** Destroys the device; the counts stay readable. */
  release(): void {
    this.ctx.destroy();
  }

  private enqueue(work: () => Promise<void>): Promise<void> {
    const next = this.queue.then(work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async accumulate(
    fromLogits: boolean,
    channels: number,
    pixels: number,
    truth: Uint16Array,
    writeSrc: (buf: GPUBuffer, start: number, n: number) => void,
  ): Promise<void> {
    const { device } = this.ctx;
    if (this.ctx.lost) throw this.ctx.lost;
    const maxBinding = device.limits.maxStorageBufferBindingSize;
    // Chunks start at even pixels so the packed u16 label words stay aligned.
    const perPixel = fromLogits ? 4 * channels : 2;
    let chunk = Math.floor(maxBinding / perPixel);
    if (this.options.maxChunkPixels) chunk = Math.min(chunk, this.options.maxChunkPixels);
    chunk = Math.max(2, chunk - (chunk % 2));
    const ignore =
      Number.isInteger(this.ignoreLabel) && this.ignoreLabel >= 0 && this.ignoreLabel < 65536
        ? this.ignoreLabel
        : 0xffffffff; // u16 labels never equal it: no ignore label
    const pipeline = await this.pipelines.get(
      'confusion',
      { WG: this.wg, FROM_LOGITS: fromLogits, LOCAL: this.local, BINS: this.local ? this.bins : 1 },
      { node: 'confusion', op: 'ConfusionMatrix' },
    );
    device.pushErrorScope('validation');
    const first = device.createCommandEncoder({ label: 'confusion clear' });
    first.clearBuffer(this.countsBuf);
    device.queue.submit([first.finish()]);
    for (let a = 0; a < pixels; a += chunk) {
      const n = Math.min(chunk, pixels - a);
      const src = this.buffer('src', fromLogits ? n * 4 * channels : evenUp(n) * 2);
      const tb = this.buffer('truth', evenUp(n) * 2);
      writeSrc(src, a, n);
      put(device.queue, tb, 0, truth, a, evenUp(n));
      const items = this.itemsFor(n);
      const groups = Math.ceil(n / (this.wg * items));
      const gx = Math.min(groups, MAX_GROUPS_X);
      const u = new Uniforms().u(n, n, channels, this.classes, ignore, items, 0, 0);
      device.queue.writeBuffer(this.params, 0, u.bytes());
      const bind = device.createBindGroup({
        label: 'confusion',
        layout: pipeline.getBindGroupLayout(0),
        entries: [
          { binding: 0, resource: { buffer: this.params } },
          { binding: 1, resource: { buffer: src } },
          { binding: 2, resource: { buffer: tb } },
          { binding: 3, resource: { buffer: this.countsBuf } },
        ],
      });
      const enc = device.createCommandEncoder({ label: 'confusion' });
      const pass = enc.beginComputePass({ label: 'confusion' });
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, bind);
      pass.dispatchWorkgroups(gx, Math.ceil(groups / gx));
      pass.end();
      device.queue.submit([enc.finish()]);
    }
    const last = device.createCommandEncoder({ label: 'confusion readback' });
    last.copyBufferToBuffer(this.countsBuf, 0, this.staging, 0, this.bins * 4);
    device.queue.submit([last.finish()]);
    const error = await device.popErrorScope();
    if (error) throw new AtrousError('INTERNAL', `WebGPU confusion kernel: ${error.message}`);
    await this.staging.mapAsync(GPUMapMode.READ);
    const got = new Uint32Array(this.staging.getMappedRange().slice(0));
    this.staging.unmap();
    const cc = this.classes * this.classes;
    for (let i = 0; i < cc; i++) this.counts[i] += got[i] as number;
    this.skipped.unknownTruth += got[cc] as number;
    this.skipped.badPrediction += got[cc + 1] as number;
  }

  /** Pixels per invocation: enough per workgroup to amortize the local histogram, few groups. */
  private itemsFor(n: number): number {
    if (this.options.itemsPerThread) return this.options.itemsPerThread;
    const amortize = this.local ? Math.ceil((4 * this.bins) / this.wg) : 1;
    const target = this.local ? TARGET_GROUPS_LOCAL : TARGET_GROUPS_GLOBAL;
    return Math.max(1, amortize, Math.ceil(n / (this.wg * target)));
  }

  /** A storage buffer of at least `bytes`, grown (never shrunk) as images need. */
  private buffer(which: 'src' | 'truth', bytes: number): GPUBuffer {
    const have = this[which];
    if (have && have.size >= bytes) return have;
    have?.destroy();
    const buf = this.ctx.device.createBuffer({
      label: `confusion ${which}`,
      size: Math.max(16, Math.ceil(bytes / 16) * 16),
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST,
    });
    this[which] = buf;
    return buf;
  }
}

const evenUp = (n: number): number => n + (n % 2);

/** Labels as u16 with an even length (two per 32-bit word on the GPU); values must be < 65536. */
function packLabels(labels: Labels): Uint16Array {
  if (labels instanceof Uint16Array && labels.length % 2 === 0) return labels;
  const out = new Uint16Array(evenUp(labels.length));
  out.set(labels);
  return out;
}

/** Writes `count` elements of `data` from element `start` (typed as a plain ArrayBuffer for @webgpu/types). */
function put(
  queue: GPUQueue,
  buf: GPUBuffer,
  offset: number,
  data: Uint16Array | Float32Array,
  start: number,
  count: number,
): void {
  const k = data.BYTES_PER_ELEMENT;
  queue.writeBuffer(buf, offset, data.buffer as ArrayBuffer, data.byteOffset + start * k, count * k);
}
