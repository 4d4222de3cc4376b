import {
  type BackendName,
  BackendUnavailableError,
  outputError,
  Session,
  type Tensor,
} from '../src/index.js';
import { type Timing, type TimingOptions, timeAsync } from './timing.js';
import type { BuiltWorkload } from './workloads.js';

/** A float32 output as it travels between processes (structured clone keeps the typed array). */
export interface OutputData {
  dims: number[];
  data: Float32Array;
}

/** What one backend did with one workload. */
export type RunOutcome =
  | { status: 'ok'; timing: Timing; output: OutputData }
  | { status: 'unavailable'; reason: string }
  | { status: 'failed'; reason: string };

/** The row label of an onnxruntime-web wasm run with `threads` threads. */
export function ortLabel(threads: number): string {
  return `ort-wasm-${threads}t`;
}

/** The row label of an atrous run: the backend, with `-Nt` when it ran on N threads. */
export function atrousLabel(backend: BackendName, threads: number): string {
  return threads === 1 ? backend : `${backend}-${threads}t`;
}

/** Runs `built` on an atrous backend (`threads` workers: wasm): one run kept for the numerics, then timed runs. */
export async function runAtrous(
  built: BuiltWorkload,
  backend: BackendName,
  timing: TimingOptions,
  threads = 1,
): Promise<RunOutcome> {
  let session: Session;
  try {
    session = await Session.create(built.graph, { backend, threads });
  } catch (e) {
    if (e instanceof BackendUnavailableError) return { status: 'unavailable', reason: unavailableReason(e) };
    return { status: 'failed', reason: message(e) };
  }
  try {
    const run = () => session.run(built.feeds, [built.output]);
    const first = (await run())[built.output];
    if (!first) return { status: 'failed', reason: `no output '${built.output}'` };
    return { status: 'ok', timing: await timeAsync(run, timing), output: toOutputData(first) };
  } catch (e) {
    return { status: 'failed', reason: message(e) };
  } finally {
    session.release();
  }
}

export function toOutputData(t: Tensor): OutputData {
  return { dims: [...t.dims], data: Float32Array.from(t.data as ArrayLike<number>) };
}

export interface Agreement {
  /** max |a - e| (Infinity when the dims differ). */
  maxAbs: number;
  /** max |a - e| / max |e|. */
  rel: number;
}

/** How far `actual` is from `expected`, elementwise. */
export function agreement(actual: OutputData, expected: OutputData): Agreement {
  const sameDims =
    actual.dims.length === expected.dims.length && actual.dims.every((d, i) => d === expected.dims[i]);
  if (!sameDims) return { maxAbs: Number.POSITIVE_INFINITY, rel: Number.POSITIVE_INFINITY };
  return outputError(actual.data, expected.data);
}

export function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function unavailableReason(e: BackendUnavailableError): string {
  return e.message.replace(/^backend '[^']*' is not available: /, '');
}
