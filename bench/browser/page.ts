/// <reference types="@webgpu/types" />
/**
 * Runs in the Chromium page (bundled to build/bench-browser/page.js): fetches one case the driver
 * (run.ts) serves and compares atrous-webgpu with onnxruntime-web's WebGPU provider on the page's
 * adapter (compare.ts).
 */

import { specializeWgsl } from '../../src/engine/backends/webgpu/specialize.js';
import {
  importModel,
  inferShapes,
  optimizeGraph,
  Rng,
  Session,
  Tensor,
  validateGraph,
} from '../../src/index.js';
import { adapterName, type Case, type CaseResult, compareCase, holdDevice, type Ort } from './compare.js';
import { formatTrace, probeCompile, probeGpu, startTrace } from './trace.js';

export type { CaseResult, SideResult } from './compare.js';

// onnxruntime-web's WebGPU build, served from node_modules (kept external by the bundler).
const ORT_URL = '/node_modules/onnxruntime-web/dist/ort.webgpu.min.mjs';

function randomFeeds(model: Uint8Array, seed: number): Record<string, Tensor> {
  const graph = importModel(model);
  const rng = new Rng(seed);
  const feeds: Record<string, Tensor> = {};
  for (const t of graph.inputs) {
    if (graph.initializers.has(t.name)) continue;
    const dims = t.shape.map((d) => (typeof d === 'number' ? d : 1));
    const size = dims.reduce((a, d) => a * d, 1);
    feeds[t.name] = new Tensor('float32', dims, rng.floats(size, -1, 1));
  }
  return feeds;
}

async function fetchBytes(url: string): Promise<Uint8Array> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

const asFloats = (b: Uint8Array) => new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);

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
    for (const i of spec.inputs)
      feeds[i.name] = new Tensor('float32', i.dims, asFloats(await fetchBytes(i.url)));
  } else {
    feeds = randomFeeds(model, 5);
  }
  const expected = spec.expected ? asFloats(await fetchBytes(spec.expected)) : undefined;
  const dims = Object.values(feeds).map((t) => t.dims.join('×'));
  return { ...spec, shape: spec.shape || `input ${dims.join(', ')}`, model, onnx, feeds, expected };
}

async function loadOrt(): Promise<Ort> {
  const ort = (await import(/* @vite-ignore */ ORT_URL)) as Ort;
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.wasmPaths = '/node_modules/onnxruntime-web/dist/';
  ort.env.logLevel = 'error';
  return ort;
}

export async function runCase(spec: CaseSpec, reps: number): Promise<CaseResult> {
  const adapter = await navigator.gpu.requestAdapter();
  const c = await loadCase(spec);
  return compareCase(c, reps, await loadOrt(), adapterName(adapter?.info));
}

/**
 * The WebGPU calls of a cold run (create, first run, a second run) on atrous, then on
 * onnxruntime-web, as text (trace.ts): where the cold time goes (`run.ts --trace`).
 */
export async function traceCase(spec: CaseSpec, front = false, dumpShaders = false): Promise<string> {
  const c = await loadCase(spec);
  const ort = await loadOrt();
  let text = '';
  if (front) {
    // Session.create's graph front end alone (JIT-cold: the session traced next runs it JIT-warm).
    const t0 = performance.now();
    const g = importModel(c.model);
    const t1 = performance.now();
    validateGraph(g);
    const o = optimizeGraph(g);
    const t2 = performance.now();
    inferShapes(o);
    const t3 = performance.now();
    text += `front end: import ${(t1 - t0).toFixed(1)}, validate+optimize ${(t2 - t1).toFixed(1)}, shapes ${(t3 - t2).toFixed(1)} ms\n`;
  }
  const side = async (
    name: string,
    create: () => Promise<{ run(): Promise<unknown>; release(): unknown }>,
  ) => {
    const t = startTrace();
    try {
      const s = await create();
      t.mark('created');
      await s.run();
      t.mark('first run done');
      await s.run();
      t.mark('second run done');
      await s.release();
    } finally {
      t.stop();
    }
    text += `--- ${name}\n${formatTrace(t.events)}\n`;
    if (dumpShaders)
      for (const e of t.events) if (e.code) text += `--- ${name} shader ${e.label}\n${e.code}\n`;
  };
  // Twice: the second ('again') finds every pipeline compiled, upgrades included (the first waits
  // for them before it is released): the cold start's floor, where the buffers' first touch shows.
  for (const name of ['atrous', 'atrous again'])
    await side(name, async () => {
      const s = await Session.create(c.model, { backend: 'webgpu' });
      return {
        run: () => s.run(c.feeds),
        release: async () => {
          await s.upgraded();
          s.release();
        },
      };
    });
  await side('onnxruntime-web', async () => {
    const s = await ort.InferenceSession.create(c.onnx, { executionProviders: ['webgpu'] });
    const feeds: Record<string, unknown> = {};
    for (const [k, t] of Object.entries(c.feeds))
      feeds[k] = new ort.Tensor('float32', t.data as Float32Array, t.dims);
    return { run: () => s.run(feeds), release: () => s.release() };
  });
  return text;
}

/** Held from the warm-up until the page closes (compare.ts: holdDevice). */
let held: { release(): void } | undefined;

/**
 * Untimed: starts onnxruntime-web (its wasm, its WebGPU device) and atrous (its shader sources, its
 * device, then held) on a tiny case, so the first timed cold run of either side does not pay
 * one-time runtime start-up.
 */
export async function warmUp(spec: CaseSpec): Promise<void> {
  await runCase(spec, 0);
  held ??= await holdDevice(await loadCase(spec));
}

/** Gives the held device back (the page closing does too). */
export function releaseHold(): void {
  held?.release();
  held = undefined;
}

/** The session `coldSide` created, kept for `warmSide`. */
let open: { run(): Promise<unknown>; release(): unknown; upgraded?(): Promise<void> } | undefined;

/**
 * Session creation + first run on one side (`run.ts --cpu` reads the browser's CPU time around
 * this call and around `warmSide`); returns wall ms. The session stays open for warmSide.
 */
export async function coldSide(spec: CaseSpec, side: 'atrous' | 'ort'): Promise<number> {
  const c = await loadCase(spec);
  const ort = side === 'ort' ? await loadOrt() : undefined;
  const t = performance.now();
  if (ort) {
    const s = await ort.InferenceSession.create(c.onnx, { executionProviders: ['webgpu'] });
    const feeds: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(c.feeds))
      feeds[k] = new ort.Tensor('float32', x.data as Float32Array, x.dims);
    open = { run: () => s.run(feeds), release: () => s.release() };
  } else {
    const s = await Session.create(c.model, { backend: 'webgpu' });
    open = { run: () => s.run(c.feeds), release: () => s.release(), upgraded: () => s.upgraded() };
  }
  await open.run();
  return performance.now() - t;
}

/** Waits for the upgrades of the session coldSide left open (atrous' tiered start-up); returns wall ms. */
export async function upgradeSide(): Promise<number> {
  const t = performance.now();
  await open?.upgraded?.();
  return performance.now() - t;
}

/** `reps` runs of the session coldSide left open (wall ms each; atrous once upgraded), then releases it. */
export async function warmSide(reps: number): Promise<number[]> {
  const s = open as NonNullable<typeof open>;
  await s.upgraded?.();
  const ms: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t = performance.now();
    await s.run();
    ms.push(performance.now() - t);
  }
  await s.release();
  open = undefined;
  return ms;
}

/** Every conv feature (FEAT's default). */
const ALL = 0xffffffff;

/** A probe entry: `code` specialised to `constants` as a session's pipeline compiles it. */
function specialised(stem: string, code: string, constants: Record<string, number>) {
  const named = Object.entries(constants).map(([k, v]) =>
    k === 'FEAT' ? `FEAT ${v === 0 ? 'none' : 'all'}` : `${k}=${v}`,
  );
  return {
    label: `${stem} specialised, ${named.join(' ')}`,
    code: specializeWgsl(code, constants),
    constants,
  };
}

/**
 * Raw WebGPU probes (trace.ts): first-use costs of big buffers, then the compile time of a trivial
 * kernel, resize.wgsl by cell (BY × BX) and its fused heads, conv_pixel.wgsl, depthwise.wgsl and
 * conv_gemm.wgsl by CBK (their texts as written: every feature), then the kernels specialised as
 * sessions compile them (specialize.ts): resize by cell, the conv kernels to no feature and to
 * every feature; `reps` fresh compiles each.
 */
export async function probe(reps: number): Promise<string> {
  const adapter = await navigator.gpu.requestAdapter();
  const device = await (adapter as GPUAdapter).requestDevice({ requiredFeatures: ['subgroups'] });
  const text = async (stem: string) => (await fetch(`/kernels/${stem}.wgsl`)).text();
  const gemm = await text('conv_gemm');
  const resizeCode = await text('resize');
  const resizeSoftmax = await text('resize_softmax');
  const resizeArgmax = await text('resize_argmax');
  const pixel = await text('conv_pixel');
  const depthwise = await text('depthwise');
  try {
    return [
      await probeGpu(device, gemm),
      await probeCompile(
        device,
        [
          ...[
            [2, 8],
            [1, 8],
            [2, 4],
            [1, 4],
            [1, 2],
            [1, 1],
          ].map(([by, bx]) => ({
            label: `resize BY=${by} BX=${bx}`,
            code: resizeCode,
            constants: { BY: by as number, BX: bx as number },
          })),
          { label: 'resize_softmax BY=2 BX=8', code: resizeSoftmax, constants: { BY: 2, BX: 8 } },
          { label: 'resize_argmax BY=2 BX=8', code: resizeArgmax, constants: { BY: 2, BX: 8 } },
          { label: 'conv_pixel', code: pixel },
          { label: 'depthwise', code: depthwise },
          ...[8, 4, 2, 1].map((cbk) => ({
            label: `conv_gemm CBK=${cbk}`,
            code: gemm,
            constants: { CBK: cbk },
          })),
          // The texts sessions compile (specialize.ts): resize by cell (linear), its heads at 2 × 8,
          // the conv kernels with no feature and with every one.
          ...[
            [2, 8],
            [1, 4],
            [1, 1],
          ].map(([by, bx]) =>
            specialised('resize', resizeCode, { BY: by as number, BX: bx as number, LINEAR: 1 }),
          ),
          specialised('resize_softmax', resizeSoftmax, { BY: 2, BX: 8, LINEAR: 1 }),
          specialised('resize_argmax', resizeArgmax, { BY: 2, BX: 8, LINEAR: 1, SOFTMAX: 0, SELECT_LAST: 0 }),
          ...[8, 1].flatMap((cbk) =>
            [0, ALL].map((feat) => specialised('conv_gemm', gemm, { CBK: cbk, FEAT: feat })),
          ),
          ...[0, ALL].map((feat) => specialised('conv_pixel', pixel, { FEAT: feat })),
          ...[0, ALL].map((feat) => specialised('depthwise', depthwise, { FEAT: feat })),
        ],
        reps,
      ),
    ].join('\n');
  } finally {
    device.destroy();
  }
}

(globalThis as { atrousBench?: unknown }).atrousBench = {
  runCase,
  traceCase,
  coldSide,
  upgradeSide,
  warmSide,
  probe,
  warmUp,
  releaseHold,
};
