/// <reference types="@webgpu/types" />
/**
 * Runs in the Chromium page (bundled to build/bench-browser/page.js): one case on atrous-webgpu
 * and onnxruntime-web's WebGPU provider, on the page's WebGPU adapter. Cold = session creation +
 * first run (both compile their shaders there); warm = median of `reps` further runs. Outputs are
 * read back to the CPU on both sides.
 */
import { type Graph, importModel, Rng, Session, Tensor } from '../../src/index.js';

// onnxruntime-web's WebGPU build, served from node_modules (kept external by the bundler).
const ORT_URL = '/node_modules/onnxruntime-web/dist/ort.webgpu.min.mjs';

interface OrtTensor {
  data: unknown;
  dims: readonly number[];
}
interface OrtSession {
  run(feeds: Record<string, unknown>): Promise<Record<string, OrtTensor>>;
  release(): Promise<void>;
  outputNames: readonly string[];
}
interface Ort {
  env: { wasm: { numThreads: number; wasmPaths: string }; logLevel: string };
  Tensor: new (type: string, data: Float32Array, dims: readonly number[]) => unknown;
  InferenceSession: { create(bytes: Uint8Array, opts: object): Promise<OrtSession> };
}

export interface SideResult {
  backend: 'atrous-webgpu' | 'ort-webgpu';
  status: 'ok' | 'failed';
  reason?: string;
  coldMs?: number;
  warmMs?: number[];
  medianMs?: number;
  /** Max |output - expected| and that over max |expected| (expected: atrous wasm in Node). */
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

interface Case {
  name: string;
  shape: string;
  gflop?: number;
  /** Bytes for atrous (ONNX or TFLite) and the ONNX bytes for onnxruntime-web. */
  model: Uint8Array;
  onnx: Uint8Array;
  feeds: Record<string, Tensor>;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

function randomFeeds(graph: Graph, seed: number): Record<string, Tensor> {
  const rng = new Rng(seed);
  const feeds: Record<string, Tensor> = {};
  for (const t of graph.inputs) {
    if (graph.initializers.has(t.name)) continue;
    const dims = t.shape.map((d) => (typeof d === 'number' ? d : 1));
    feeds[t.name] = new Tensor(
      'float32',
      dims,
      rng.floats(
        dims.reduce((a, d) => a * d, 1),
        -1,
        1,
      ),
    );
  }
  return feeds;
}

async function fetchBytes(url: string): Promise<Uint8Array> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

/** What the driver serves for one case (bench/browser/run.ts: /__case/<i>.json). */
export interface CaseSpec {
  name: string;
  shape: string;
  gflop?: number;
  /** The model as atrous loads it (ONNX or TFLite) and as ONNX for onnxruntime-web. */
  model: string;
  onnx: string;
  /** The expected first output (raw float32), computed by the driver on atrous' wasm backend. */
  expected?: string;
  /** Raw little-endian float32 inputs; none: seeded random ones. */
  inputs?: { name: string; dims: number[]; url: string }[];
}

async function loadCase(spec: CaseSpec): Promise<Case> {
  const model = await fetchBytes(spec.model);
  const onnx = spec.onnx === spec.model ? model : await fetchBytes(spec.onnx);
  let feeds: Record<string, Tensor> = {};
  if (spec.inputs) {
    for (const i of spec.inputs) {
      const b = await fetchBytes(i.url);
      feeds[i.name] = new Tensor(
        'float32',
        i.dims,
        new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4),
      );
    }
  } else {
    feeds = randomFeeds(importModel(model), 5);
  }
  const dims = Object.values(feeds).map((t) => t.dims.join('×'));
  return { ...spec, shape: spec.shape || `input ${dims.join(', ')}`, model, onnx, feeds };
}

async function timeSide(
  backend: SideResult['backend'],
  reps: number,
  create: () => Promise<{ run(): Promise<Float32Array>; release(): Promise<void> | void }>,
): Promise<{ side: SideResult; out?: Float32Array }> {
  try {
    const t0 = performance.now();
    const s = await create();
    // Copied at once: an output's memory may be reused by the next run or freed by release().
    const out = Float32Array.from(await s.run());
    const coldMs = performance.now() - t0;
    const warmMs: number[] = [];
    for (let i = 0; i < reps; i++) {
      const t = performance.now();
      await s.run();
      warmMs.push(performance.now() - t);
    }
    await s.release();
    return { side: { backend, status: 'ok', coldMs, warmMs, medianMs: median(warmMs) }, out };
  } catch (e) {
    return { side: { backend, status: 'failed', reason: (e as Error).message } };
  }
}

export async function runCase(spec: CaseSpec, reps: number): Promise<CaseResult> {
  const adapter = await navigator.gpu.requestAdapter();
  const info = adapter?.info;
  const c = await loadCase(spec);
  const atrous = await timeSide('atrous-webgpu', reps, async () => {
    const s = await Session.create(c.model, { backend: 'webgpu' });
    const out = s.outputs[0]?.name as string;
    return {
      run: async () => (await s.run(c.feeds))[out]?.data as Float32Array,
      release: () => s.release(),
    };
  });
  const ort = (await import(/* @vite-ignore */ ORT_URL)) as Ort;
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.wasmPaths = '/node_modules/onnxruntime-web/dist/';
  ort.env.logLevel = 'error';
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
  const expected = spec.expected ? await fetchBytes(spec.expected) : undefined;
  const want = expected && new Float32Array(expected.buffer, expected.byteOffset, expected.byteLength / 4);
  const errs = (got: Float32Array | undefined) => {
    if (!got || !want || got.length !== want.length) return undefined;
    let m = 0;
    let peak = 0;
    for (let i = 0; i < got.length; i++) {
      m = Math.max(m, Math.abs((got[i] as number) - (want[i] as number)));
      peak = Math.max(peak, Math.abs(want[i] as number));
    }
    return { maxErr: m, relErr: peak > 0 ? m / peak : m };
  };
  const ea = errs(atrous.out);
  const eo = errs(ortSide.out);
  if (ea) Object.assign(atrous.side, ea);
  if (eo) Object.assign(ortSide.side, eo);
  return {
    name: c.name,
    shape: c.shape,
    gflop: c.gflop,
    adapter: info ? [info.vendor, info.architecture, info.description].filter(Boolean).join(' / ') : 'none',
    sides: [atrous.side, ortSide.side],
  };
}

/**
 * Untimed: starts onnxruntime-web (its wasm, its WebGPU device) and loads atrous' shader sources on
 * a tiny case, so the first timed cold run of either side does not pay one-time runtime start-up.
 */
export async function warmUp(spec: CaseSpec): Promise<void> {
  await runCase(spec, 0);
}

(globalThis as { atrousBench?: unknown }).atrousBench = { runCase, warmUp };
