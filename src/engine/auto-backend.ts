/// <reference types="@webgpu/types" />
import type { BackendName } from './backend.js';

/** What `pickBackend` chose and why (shown to users, e.g. by `atrous segment`). */
export interface BackendChoice {
  backend: Exclude<BackendName, 'ref'>;
  reason: string;
}

/**
 * The best backend this host has: WebGPU on a hardware adapter, else WASM. Never throws: a missing
 * `navigator.gpu`, a missing `webgpu` package or no adapter all mean WASM, with the reason.
 */
export async function pickBackend(): Promise<BackendChoice> {
  let adapter: GPUAdapter | null;
  // Software adapters (SwiftShader, lavapipe, WARP) are slower than the WASM backend on the same CPU.
  let software = false;
  try {
    const { findGpu, isSoftwareAdapter } = await import('./backends/webgpu/device.js');
    adapter = await (await findGpu()).requestAdapter();
    software = isSoftwareAdapter(adapter?.info);
  } catch (e) {
    return { backend: 'wasm', reason: `no WebGPU here (${firstLine(e)})` };
  }
  if (!adapter) return { backend: 'wasm', reason: 'no WebGPU adapter was found' };
  const info = adapter.info;
  const name = [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' ');
  if (software) {
    return { backend: 'wasm', reason: `the WebGPU adapter is a software one (${name || 'fallback'})` };
  }
  return { backend: 'webgpu', reason: `WebGPU adapter ${name || 'unnamed'}` };
}

function firstLine(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.split('\n')[0] ?? text;
}
