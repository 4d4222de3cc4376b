/// <reference types="@webgpu/types" />
/**
 * One case on atrous-webgpu and onnxruntime-web's WebGPU provider, on the host's `navigator.gpu`
 * (the Chromium page of page.ts, or Node + Dawn in node.ts). Cold = session creation + first run
 * (both compile their shaders there); warm = median of `reps` further runs, after atrous' tiered
 * start-up has its upgrades in place (Session.upgraded, untimed: reported as upgradeMs). Outputs
 * are read back to the CPU on both sides.
 */
import { outputError, Session, type Tensor } from '../../src/index.js';

interface OrtTensor {
  data: unknown;
  dims: readonly number[];
}
interface OrtSession {
  run(feeds: Record<string, unknown>): Promise<Record<string, OrtTensor>>;
  release(): Promise<void>;
  outputNames: readonly string[];
}
/** The part of onnxruntime-web's module the bench uses. */
export interface Ort {
  env: { wasm: { numThreads: number; wasmPaths?: string }; logLevel: string };
  Tensor: new (type: string, data: Float32Array, dims: readonly number[]) => unknown;
  InferenceSession: { create(bytes: Uint8Array, opts: object): Promise<OrtSession> };
}

export interface SideResult {
  backend: 'atrous-webgpu' | 'ort-webgpu';
  status: 'ok' | 'failed';
  reason?: string;
  coldMs?: number;
  /** Node only: process CPU ms (all threads, shader compiler included) over the cold run; less load-sensitive than wall time. */
  coldCpuMs?: number;
  /** atrous: from the first run's end until its upgrades were in place (untimed otherwise). */
  upgradeMs?: number;
  warmMs?: number[];
  medianMs?: number;
  /** Max |output - expected| and that over max |expected| (expected: atrous wasm in Node), the worse of the first and last run. */
  maxErr?: number;
  relErr?: number;
}

export interface CaseResult {
  name: string;
  shape: string;
  gflop?: number;
  adapter: string;
  sides: SideResult[];
}

/** A case with its bytes and inputs loaded. */
export interface Case {
  name: string;
  shape: string;
  gflop?: number;
  /** Bytes for atrous (ONNX or TFLite) and the ONNX bytes for onnxruntime-web. */
  model: Uint8Array;
  onnx: Uint8Array;
  feeds: Record<string, Tensor>;
  /** The expected first output, computed on atrous' wasm backend in Node. */
  expected?: Float32Array;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** A session of either engine as timeSide drives it. */
interface TimedSession {
  run(): Promise<Float32Array>;
  release(): Promise<void> | void;
  /** atrous: the tiered start-up's upgrades (Session.upgraded), awaited untimed before the warm runs. */
  upgraded?(): Promise<void>;
}

async function timeSide(
  backend: SideResult['backend'],
  reps: number,
  create: () => Promise<TimedSession>,
): Promise<{ side: SideResult; out?: Float32Array; last?: Float32Array }> {
  try {
    const cpu = typeof process !== 'undefined' ? process.cpuUsage?.() : undefined;
    const t0 = performance.now();
    const s = await create();
    // Copied at once: an output's memory may be reused by the next run or freed by release().
    const out = Float32Array.from(await s.run());
    const coldMs = performance.now() - t0;
    const used = cpu ? process.cpuUsage(cpu) : undefined;
    const coldCpuMs = used ? (used.user + used.system) / 1000 : undefined;
    const t1 = performance.now();
    await s.upgraded?.();
    const upgradeMs = s.upgraded ? performance.now() - t1 : undefined;
    const warmMs: number[] = [];
    let last = out;
    for (let i = 0; i < reps; i++) {
      const t = performance.now();
      const got = await s.run();
      warmMs.push(performance.now() - t);
      if (i === reps - 1) last = Float32Array.from(got);
    }
    await s.release();
    const side: SideResult = {
      backend,
      status: 'ok',
      coldMs,
      coldCpuMs,
      upgradeMs,
      warmMs,
      medianMs: median(warmMs),
    };
    return { side, out, last };
  } catch (e) {
    return { side: { backend, status: 'failed', reason: (e as Error).message } };
  }
}

function errors(got: Float32Array | undefined, want: Float32Array | undefined) {
  if (!got || !want || got.length !== want.length) return undefined;
  const e = outputError(got, want);
  return { maxErr: e.maxAbs, relErr: e.rel };
}

type Errors = ReturnType<typeof errors>;
const worse = (a: Errors, b: Errors): Errors => (!a || (b && b.relErr > a.relErr) ? b : a);

/**
 * An atrous session on `c` kept open (release it when the bench ends): it holds atrous' shared
 * device, which the warm-up created. onnxruntime-web keeps its device for the life of the page or
 * process; atrous gives an unheld device back after 3 s idle (device.ts), and the warm-up's ORT side
 * alone outlasts that (ORT's wasm and device start-up), so without this hold the first timed cold
 * run (in the browser bench: every one, ORT's reps in between) also paid requestDevice.
 */
export async function holdDevice(c: Case): Promise<{ release(): void }> {
  return Session.create(c.model, { backend: 'webgpu' });
}

/** Runs `c` on atrous-webgpu, then on `ort`'s WebGPU provider; `adapter` names the adapter. */
export async function compareCase(c: Case, reps: number, ort: Ort, adapter: string): Promise<CaseResult> {
  const atrous = await timeSide('atrous-webgpu', reps, async () => {
    const s = await Session.create(c.model, { backend: 'webgpu' });
    const out = s.outputs[0]?.name as string;
    return {
      run: async () => (await s.run(c.feeds))[out]?.data as Float32Array,
      release: () => s.release(),
      upgraded: () => s.upgraded(),
    };
  });
  const ortSide = await timeSide('ort-webgpu', reps, async () => {
    const s = await ort.InferenceSession.create(c.onnx, { executionProviders: ['webgpu'] });
    const feeds: Record<string, unknown> = {};
    for (const [k, t] of Object.entries(c.feeds))
      feeds[k] = new ort.Tensor('float32', t.data as Float32Array, t.dims);
    const out = s.outputNames[0] as string;
    return {
      run: async () => (await s.run(feeds))[out]?.data as Float32Array,
      release: () => s.release(),
    };
  });
  const ea = worse(errors(atrous.out, c.expected), errors(atrous.last, c.expected));
  const eo = worse(errors(ortSide.out, c.expected), errors(ortSide.last, c.expected));
  if (ea) Object.assign(atrous.side, ea);
  if (eo) Object.assign(ortSide.side, eo);
  return { name: c.name, shape: c.shape, gflop: c.gflop, adapter, sides: [atrous.side, ortSide.side] };
}

/** "vendor / architecture / description" of a WebGPU adapter. */
export function adapterName(info: GPUAdapterInfo | undefined): string {
  return info ? [info.vendor, info.architecture, info.description].filter(Boolean).join(' / ') : 'none';
}
