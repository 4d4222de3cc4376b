import * as ort from 'onnxruntime-web';
import { exportOnnx } from '../src/index.js';
import { message, type RunOutcome } from './harness.js';
import { type TimingOptions, timeAsync } from './timing.js';
import type { BuiltWorkload } from './workloads.js';

/**
 * Sets onnxruntime-web's thread count. ORT fixes it when the first session is created and it is
 * process-wide, so each thread count runs in its own process (bench/ort-worker.ts).
 */
export function configureOrt(threads: number): void {
  ort.env.wasm.numThreads = threads;
  ort.env.logLevel = 'error';
}

export function ortVersion(): string {
  return ort.env.versions.web ?? 'unknown';
}

/** Runs `built` in onnxruntime-web (wasm EP, default graph optimizations, as a user would). */
export async function runOrtWorkload(built: BuiltWorkload, timing: TimingOptions): Promise<RunOutcome> {
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(built.onnx ?? exportOnnx(built.graph), {
      executionProviders: ['wasm'],
    });
  } catch (e) {
    return { status: 'failed', reason: `onnxruntime: ${message(e)}` };
  }
  try {
    const feeds: Record<string, ort.Tensor> = {};
    for (const [name, t] of Object.entries(built.feeds)) {
      feeds[name] = new ort.Tensor('float32', Float32Array.from(t.data as ArrayLike<number>), [...t.dims]);
    }
    const run = () => session.run(feeds);
    const first = (await run())[built.output];
    if (!first) return { status: 'failed', reason: `onnxruntime returned no '${built.output}'` };
    const output = { dims: first.dims.map(Number), data: Float32Array.from(first.data as Float32Array) };
    return { status: 'ok', timing: await timeAsync(run, timing), output };
  } catch (e) {
    return { status: 'failed', reason: `onnxruntime: ${message(e)}` };
  } finally {
    await session.release();
  }
}
