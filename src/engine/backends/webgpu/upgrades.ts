/// <reference types="@webgpu/types" />
import { AtrousError } from '../../../errors.js';
import type { Encoded } from './profile.js';

/** A step of the program that runs a quicker-to-compile kernel until its upgrade is ready. */
export interface PendingUpgrade {
  /** Index of the step in the session's program. */
  at: number;
  /** The buffers of the step that runs now (its uniforms, packed weights): freed by the swap. */
  owned: GPUBuffer[];
  /** Compiles the upgrade's pipeline (the device's pipeline cache). */
  compile(): Promise<GPUComputePipeline>;
  /** Creates the upgrade's buffers (into `owned`) and bind group: what the program then records. */
  bind(pipeline: GPUComputePipeline, owned: GPUBuffer[]): Encoded;
}

/**
 * The tiered start-up of one session (DispatchStep.upgrade). Nothing is compiled until `start`
 * (the session's first run is done, or `upgraded()` asks): the upgrades' compiles then run on the
 * driver's compile thread without slowing the cold start. A compiled upgrade is bound at once and
 * swapped into the program at the start of the next run (`apply`), never during one; the first
 * step's buffers are freed then (work already submitted keeps them alive until it completes).
 * A failed upgrade leaves its step as it was and makes `start()` reject with the error.
 */
export class Upgrades {
  private started: Promise<void> | undefined;
  private readonly bound: { at: number; encode: Encoded; old: GPUBuffer[] }[] = [];
  private released = false;

  constructor(
    private readonly device: GPUDevice,
    private readonly pending: PendingUpgrade[],
  ) {}

  /** Starts every upgrade (once); settles when all are bound (or one failed). */
  start(): Promise<void> {
    if (!this.started) {
      // Taken out of the list: each upgrade's step (and its packed weights) goes once it is bound.
      const pending = this.pending.splice(0);
      this.started = Promise.all(pending.map((p) => this.upgrade(p))).then(() => undefined);
      // Runs start it without waiting: a failure surfaces where someone awaits `upgraded()`.
      this.started.catch(() => undefined);
    }
    return this.started;
  }

  /** Swaps the bound upgrades into `program` (call between runs). */
  apply(program: unknown[]): void {
    for (const b of this.bound.splice(0)) {
      program[b.at] = b.encode;
      for (const buffer of b.old) buffer.destroy();
    }
  }

  release(): void {
    this.released = true;
  }

  private async upgrade(p: PendingUpgrade): Promise<void> {
    const pipeline = await p.compile();
    if (this.released) return;
    const owned: GPUBuffer[] = [];
    const drop = () => {
      for (const b of owned) b.destroy();
    };
    this.device.pushErrorScope('validation');
    let encode: Encoded;
    try {
      encode = p.bind(pipeline, owned);
    } catch (e) {
      await this.device.popErrorScope().catch(() => undefined);
      drop();
      throw e;
    }
    const error = await this.device.popErrorScope();
    if (error) {
      drop();
      throw new AtrousError('INTERNAL', `webgpu upgrade setup failed: ${error.message}`);
    }
    if (this.released) {
      drop();
      return;
    }
    this.bound.push({ at: p.at, encode, old: p.owned });
  }
}
