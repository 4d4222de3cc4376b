/// <reference types="@webgpu/types" />
import { nowMs, type RunProfile } from '../../profile.js';

/** One recorded step: `pass()` opens (or reuses) the compute pass, `end()` closes it. */
export type Encoded = (
  encoder: GPUCommandEncoder,
  pass: () => GPUComputePassEncoder,
  end: () => void,
) => void;

/** A step of the program and the node (index into `nodes`) it belongs to. */
export interface ProgramStep {
  encode: Encoded;
  node: number;
  dispatch: boolean;
}

/** WebGPU allows at most 4096 queries per set: two per dispatch. */
const MAX_TIMED_DISPATCHES = 2048;

/**
 * Runs the program with per-node timing. With 'timestamp-query' every dispatch gets its own
 * compute pass with timestampWrites (begin/end), so per-node time is GPU time; without it each
 * node is submitted alone and timed from submit to onSubmittedWorkDone (wall time, with overhead).
 */
export class GpuProfiler {
  private readonly timed: { querySet: GPUQuerySet; resolve: GPUBuffer; read: GPUBuffer } | undefined;
  private readonly note: string | undefined;

  constructor(
    private readonly device: GPUDevice,
    private readonly steps: ProgramStep[],
    private readonly nodes: readonly { name: string; op: string }[],
    forceSubmit: boolean,
  ) {
    const dispatches = steps.filter((s) => s.dispatch).length;
    const hasTimestamps = device.features.has('timestamp-query');
    const copies = steps.some((s) => !s.dispatch);
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
      this.note = copies
        ? 'buffer copies (reshape family) take no GPU time here and are not listed'
        : undefined;
    } else {
      const why = forceSubmit
        ? 'per-submit timing was asked for'
        : hasTimestamps
          ? `${dispatches} dispatches exceed the ${MAX_TIMED_DISPATCHES} a query set can time`
          : "the adapter has no 'timestamp-query' feature";
      this.note = `${why}: each node is submitted alone and timed from submit to completion (wall time, includes submit overhead)`;
    }
  }

  async run(): Promise<RunProfile> {
    return this.timed ? this.runTimestamps(this.timed) : this.runSubmits();
  }

  private async runTimestamps(t: { querySet: GPUQuerySet; resolve: GPUBuffer; read: GPUBuffer }) {
    const enc = this.device.createCommandEncoder({ label: 'atrous profiled run' });
    const owner: number[] = [];
    for (const step of this.steps) {
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
    enc.resolveQuerySet(t.querySet, 0, 2 * owner.length, t.resolve, 0);
    enc.copyBufferToBuffer(t.resolve, 0, t.read, 0, 16 * owner.length);
    this.device.queue.submit([enc.finish()]);
    await t.read.mapAsync(0x01);
    const stamps = new BigUint64Array(t.read.getMappedRange().slice(0));
    t.read.unmap();
    const ms = new Map<number, number>();
    owner.forEach((node, k) => {
      if (node < 0) return;
      const ns = Number((stamps[2 * k + 1] ?? 0n) - (stamps[2 * k] ?? 0n));
      ms.set(node, (ms.get(node) ?? 0) + Math.max(0, ns) / 1e6);
    });
    return this.result('timestamp-query', ms);
  }

  private async runSubmits() {
    const ms = new Map<number, number>();
    let i = 0;
    while (i < this.steps.length) {
      const node = (this.steps[i] as ProgramStep).node;
      const enc = this.device.createCommandEncoder({ label: this.nodes[node]?.name });
      let pass: GPUComputePassEncoder | undefined;
      const open = () => {
        pass ??= enc.beginComputePass({ label: this.nodes[node]?.name });
        return pass;
      };
      const end = () => {
        pass?.end();
        pass = undefined;
      };
      for (; i < this.steps.length && this.steps[i]?.node === node; i++)
        this.steps[i]?.encode(enc, open, end);
      end();
      const t0 = nowMs();
      this.device.queue.submit([enc.finish()]);
      await this.device.queue.onSubmittedWorkDone();
      ms.set(node, (ms.get(node) ?? 0) + nowMs() - t0);
    }
    return this.result('submit', ms);
  }

  private result(method: RunProfile['method'], ms: Map<number, number>): RunProfile {
    const nodes = [...ms].map(([i, v]) => ({
      node: this.nodes[i]?.name ?? `#${i}`,
      op: this.nodes[i]?.op ?? '',
      ms: v,
    }));
    return this.note ? { method, note: this.note, nodes } : { method, nodes };
  }

  destroy(): void {
    this.timed?.querySet.destroy();
    this.timed?.resolve.destroy();
    this.timed?.read.destroy();
  }
}
