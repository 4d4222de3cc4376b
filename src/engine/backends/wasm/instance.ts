import { InputError } from '../../../errors.js';
import { instantiateAtrousWasm, instantiateSharedAtrousWasm, type WasmInstance } from './module.js';
import { controlBytes, createPool, type Pool, threadsUnavailable } from './threads.js';

/** What instance() needs of the backend's options. */
export interface InstanceOptions {
  wasmBytes?: Uint8Array;
  wasmMtBytes?: Uint8Array;
  workerUrl?: string | URL;
}

let warnedNoThreads = false;

/** The thread count a session gets: `threads` where workers and shared memory exist, else 1 (warned once). */
export function threadCount(threads: number | undefined): number {
  const n = threads ?? 1;
  if (!Number.isInteger(n) || n < 1 || n > 256) {
    throw new InputError(`threads must be an integer from 1 to 256, got ${n}`);
  }
  if (n === 1) return 1;
  const why = threadsUnavailable();
  if (!why) return n;
  if (!warnedNoThreads) {
    warnedNoThreads = true;
    console.warn(`atrous: WASM threads unavailable (${why}); running on one thread`);
  }
  return 1;
}

/** A session's instance and, with threads, its worker pool over the instance's shared memory. */
export async function instantiate(
  options: InstanceOptions,
  threads: number,
): Promise<{ inst: WasmInstance; pool?: Pool }> {
  if (threads === 1) return { inst: await instantiateAtrousWasm(options.wasmBytes) };
  const { module, instance } = await instantiateSharedAtrousWasm(options.wasmMtBytes);
  const ctrl = instance.alloc(controlBytes(threads));
  const pool = await createPool(module, instance.memory, ctrl, threads, options.workerUrl);
  return { inst: instance, pool };
}
