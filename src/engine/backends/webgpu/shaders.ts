import { FileError } from '../../../errors.js';

/**
 * WGSL sources (kernels/<stem>.wgsl). In Node they are read next to the package; elsewhere they
 * are fetched relative to this module. `registerWgsl` lets a bundler inline them instead.
 */
const sources = new Map<string, string>();

export function registerWgsl(stem: string, text: string): void {
  sources.set(stem, text);
}

/** Where kernels/ sits relative to this module: src/engine/backends/webgpu/ or dist/ (bundled). */
const CANDIDATES = ['../../../../kernels/', '../kernels/', '../../kernels/'];

/** Loads in flight: concurrent asks for one stem share one read or fetch. */
const pending = new Map<string, Promise<string>>();

/** The text of `stem` when it is already loaded (lets a pipeline request reach the GPU at once). */
export function loadedWgsl(stem: string): string | undefined {
  return sources.get(stem);
}

export function loadWgsl(stem: string): Promise<string> {
  const known = sources.get(stem);
  if (known !== undefined) return Promise.resolve(known);
  let load = pending.get(stem);
  if (!load) {
    load = readWgsl(stem).finally(() => pending.delete(stem));
    pending.set(stem, load);
  }
  return load;
}

async function readWgsl(stem: string): Promise<string> {
  const isNode = typeof process !== 'undefined' && !!process.versions?.node;
  let text: string | undefined;
  if (isNode) {
    const fs = await import('node:fs/promises');
    const { fileURLToPath } = await import('node:url');
    for (const dir of CANDIDATES) {
      const path = fileURLToPath(new URL(`${dir}${stem}.wgsl`, import.meta.url));
      text = await fs.readFile(path, 'utf8').catch(() => undefined);
      if (text !== undefined) break;
    }
  } else {
    for (const dir of CANDIDATES) {
      const res = await fetch(new URL(`${dir}${stem}.wgsl`, import.meta.url)).catch(() => undefined);
      if (res?.ok) {
        text = await res.text();
        break;
      }
    }
  }
  if (text === undefined) {
    throw new FileError(
      `kernels/${stem}.wgsl`,
      'WGSL kernel not found next to atrous (is the kernels/ folder shipped?)',
    );
  }
  sources.set(stem, text);
  return text;
}

/** FNV-1a of the shader text: part of every pipeline cache key. */
export function hashText(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}
