/// <reference types="@webgpu/types" />
/**
 * Runs in the Chromium page (bundled to build/bench-browser/page.js): fetches one case the driver
 * (run.ts) serves and compares atrous-webgpu with onnxruntime-web's WebGPU provider on the page's
 * adapter (compare.ts).
 */
import { importModel, Rng, Tensor } from '../../src/index.js';
import { adapterName, type Case, type CaseResult, compareCase, holdDevice, type Ort } from './compare.js';

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

export async function runCase(spec: CaseSpec, reps: number): Promise<CaseResult> {
  const adapter = await navigator.gpu.requestAdapter();
  const c = await loadCase(spec);
  const ort = (await import(/* @vite-ignore */ ORT_URL)) as Ort;
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.wasmPaths = '/node_modules/onnxruntime-web/dist/';
  ort.env.logLevel = 'error';
  return compareCase(c, reps, ort, adapterName(adapter?.info));
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

(globalThis as { atrousBench?: unknown }).atrousBench = { runCase, warmUp, releaseHold };
