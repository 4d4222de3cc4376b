/// <reference types="@webgpu/types" />
import { nowMs, type RunProfile } from '../../profile.js';
import type { GpuContext } from './device.js';
import { type HostRun, runHost } from './host.js';

/** One recorded step: `pass()` opens (or reuses) the compute pass, `end()` closes it. */
export type Encoded = (
  encoder: GPUCommandEncoder,
  pass: () => GPUComputePassEncoder,
  end: () => void,
) => void;

/** A step of the program and the node (index into `nodes`) it belongs to. */
export type ProgramStep =
  | { encode: Encoded; node: number; dispatch: boolean }
  /** A host step (DenseCRF): timed on the host clock, not with timestamp queries. */
  | { host: HostRun; node: number };

/** WebGPU allows at most 4096 queries per set: two per dispatch. */
const MAX_TIMED_DISPATCHES = 2048;

const isDispatch = (s: ProgramStep) => 'encode' in s && s.dispatch;

/**
 * Runs the program with per-node timing. With 'timestamp-query' every dispatch gets its own
 * compute pass with timestampWrites (begin/end), so per-node time is GPU time; without it each
 * node is submitted alone and timed from submit to onSubmittedWorkDone (wall time, with overhead).
 * Host steps are timed on the host either way, once the GPU work before them is done: read back,
 * run (its own GPU work included), write back. Their rows say so (`clock: 'host'`).
 */
export class GpuProfiler {
  private readonly timed: { querySet: GPUQuerySet; resolve: GPUBuffer; read: GPUBuffer } | undefined;
  private readonly note: string | undefined;
  private readonly device: GPUDevice;

  constructor(
    private readonly gpu: GpuContext,
    private readonly steps: ProgramStep[],
    private readonly nodes: readonly { name: string; op: string }[],
    forceSubmit: boolean,
  ) {
    const device = gpu.device;
    this.device = device;
    const dispatches = steps.filter(isDispatch).length;
    const hasTimestamps = device.features.has('timestamp-query');
    const copies = steps.some((s) => 'encode' in s && !s.dispatch);
    const hostOps = [...new Set(steps.flatMap((s) => ('host' in s ? [this.nodes[s.node]?.op] : [])))];
    const hosted = hostOps.length
      ? `host steps (${hostOps.join(', ')}) are host wall time (read back, run, write back; their own GPU work included)`
      : undefined;
    const notes: string[] = [];
    if (!forceSubmit && hasTimestamps && dispatches > 0 && dispatches <= MAX_TIMED_DISPATCHES) {
      const bytes = dispatches * 16;
      this.timed = {
        querySet: device.createQuerySet({
          label: 'atrous profile',
          type: 'timestamp',
          count: 2 * dispatches,
        }),
        resolve: device.createBuffer({ label: 'atrous profile resolve', size: bytes, usage: 0x200 | 0x04 }),
        read: device.createBuffer({ label: 'atrous profile read', size: bytes, usage: 0x01 | 0x08 }),
      };
      if (copies) notes.push('buffer copies (reshape family) take no GPU time here and are not listed');
    } else {
      const why = forceSubmit
        ? 'per-submit timing was asked for'
        : hasTimestamps
          ? dispatches === 0
            ? 'nothing to time with timestamp queries'
            : `${dispatches} dispatches exceed the ${MAX_TIMED_DISPATCHES} a query set can time`
          : "the adapter has no 'timestamp-query' feature";
      notes.push(
        `${why}: each node is submitted alone and timed from submit to completion (wall time, includes submit overhead)`,
      );
    }
    if (hosted) notes.push(hosted);
    this.note = notes.length ? notes.join('; ') : undefined;
  }

  async run(): Promise<RunProfile> {
    return this.timed ? this.runTimestamps(this.timed) : this.runSubmits();
  }

  /** Waits for the work in `enc`, then times the host step on the host clock; a fresh encoder. */
  private async timeHost(h: HostRun, enc: GPUCommandEncoder, node: number, host: Map<number, number>) {
    this.device.queue.submit([enc.finish()]);
    await this.device.queue.onSubmittedWorkDone();
    const t0 = nowMs();
    const next = await runHost(this.gpu, h, this.device.createCommandEncoder({ label: 'atrous host step' }));
    this.device.queue.submit([next.finish()]);
    await this.device.queue.onSubmittedWorkDone();
    host.set(node, (host.get(node) ?? 0) + nowMs() - t0);
    return this.device.createCommandEncoder({ label: 'atrous profiled run (after host step)' });
  }

  private async runTimestamps(t: { querySet: GPUQuerySet; resolve: GPUBuffer; read: GPUBuffer }) {
    let enc = this.device.createCommandEncoder({ label: 'atrous profiled run' });
    const owner: number[] = [];
    const host = new Map<number, number>();
    for (const step of this.steps) {
      if ('host' in step) {
        enc = await this.timeHost(step.host, enc, step.node, host);
        continue;
      }
      let pass: GPUComputePassEncoder | undefined;
      const k = owner.length;
      const open = () => {
        pass ??= enc.beginComputePass({
          label: this.nodes[step.node]?.name,
          timestampWrites: {
            querySet: t.querySet,
            beginningOfPassWriteIndex: 2 * k,
            endOfPassWriteIndex: 2 * k + 1,
          },
        });
        return pass;
      };
      const end = () => {
        pass?.end();
        pass = undefined;
      };
      step.encode(enc, open, end);
      if (step.dispatch) owner.push(pass ? step.node : -1);
      end();
    }
    const ms = new Map<number, number>();
    if (owner.length > 0) {
      enc.resolveQuerySet(t.querySet, 0, 2 * owner.length, t.resolve, 0);
      enc.copyBufferToBuffer(t.resolve, 0, t.read, 0, 16 * owner.length);
    }
    this.device.queue.submit([enc.finish()]);
    if (owner.length > 0) {
      await t.read.mapAsync(0x01);
      const stamps = new BigUint64Array(t.read.getMappedRange().slice(0));
      t.read.unmap();
      owner.forEach((node, k) => {
        if (node < 0) return;
        const ns = Number((stamps[2 * k + 1] ?? 0n) - (stamps[2 * k] ?? 0n));
        ms.set(node, (ms.get(node) ?? 0) + Math.max(0, ns) / 1e6);
      });
    }
    return this.result('timestamp-query', ms, host);
  }

  private async runSubmits() {
    const ms = new Map<number, number>();
    const host = new Map<number, number>();
    let i = 0;
    while (i < this.steps.length) {
      const first = this.steps[i] as ProgramStep;
      const node = first.node;
      const enc = this.device.createCommandEncoder({ label: this.nodes[node]?.name });
      if ('host' in first) {
        await this.timeHost(first.host, enc, node, host);
        i++;
        continue;
      }
      let pass: GPUComputePassEncoder | undefined;
      const open = () => {
        pass ??= enc.beginComputePass({ label: this.nodes[node]?.name });
        return pass;
      };
      const end = () => {
        pass?.end();
        pass = undefined;
      };
      for (; i < this.steps.length; i++) {
        const s = this.steps[i] as ProgramStep;
        if (s.node !== node || 'host' in s) break;
        s.encode(enc, open, end);
      }
      end();
      const t0 = nowMs();
      this.device.queue.submit([enc.finish()]);
      await this.device.queue.onSubmittedWorkDone();
      ms.set(node, (ms.get(node) ?? 0) + nowMs() - t0);
    }
    return this.result('submit', ms, host);
  }

  private result(
    method: RunProfile['method'],
    ms: Map<number, number>,
    host: Map<number, number>,
  ): RunProfile {
    const row = (i: number, v: number) => ({
      node: this.nodes[i]?.name ?? `#${i}`,
      op: this.nodes[i]?.op ?? '',
      ms: v,
    });
    // Program order: GPU rows and host rows interleaved as the nodes ran.
    const order = [...new Set(this.steps.map((s) => s.node))];
    const nodes = order.flatMap((i) => {
      const out: RunProfile['nodes'] = [];
      const gpu = ms.get(i);
      if (gpu !== undefined) out.push(row(i, gpu));
      const h = host.get(i);
      if (h !== undefined) out.push({ ...row(i, h), clock: 'host' as const });
      return out;
    });
    return this.note ? { method, note: this.note, nodes } : { method, nodes };
  }

  destroy(): void {
    this.timed?.querySet.destroy();
    this.timed?.resolve.destroy();
    this.timed?.read.destroy();
  }
}
