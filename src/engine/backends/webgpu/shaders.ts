import { FileError } from '../../../errors.js';

/**
 * WGSL sources by stem: every kernels/<stem>.wgsl, embedded in the bundle as a module of its own
 * (embedded-wgsl.ts), loaded on first need: a session never fetches or reads a kernel file, and a
 * program that never touches WebGPU does not load the ~150 KB of text. `registerWgsl` adds or
 * replaces one (tests).
 */
const sources = new Map<string, string>();
let embedded: Promise<void> | undefined;

/** Starts loading the embedded kernels (once); the webgpu backend calls it as it loads. */
export function preloadWgsl(): Promise<void> {
  embedded ??= import('./embedded-wgsl.js').then(({ EMBEDDED_WGSL }) => {
    for (const [stem, text] of Object.entries(EMBEDDED_WGSL)) if (!sources.has(stem)) sources.set(stem, text);
  });
  return embedded;
}

export function registerWgsl(stem: string, text: string): void {
  sources.set(stem, text);
}

/** The text of `stem` when it is loaded (lets a pipeline request reach the GPU at once). */
export function loadedWgsl(stem: string): string | undefined {
  return sources.get(stem);
}

/** The text of `stem`; a FileError naming the kernel when this build has none. */
export async function loadWgsl(stem: string): Promise<string> {
  if (!sources.has(stem)) await preloadWgsl();
  const text = sources.get(stem);
  if (text === undefined) {
    throw new FileError(
      `kernels/${stem}.wgsl`,
      'no such WGSL kernel in this build of atrous (embedded-wgsl.ts)',
    );
  }
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
