/**
 * Loads build/atrous.wasm (the AssemblyScript kernels, `npm run build:wasm`) and hands out
 * instances with a bump allocator over their linear memory. The module is compiled once and
 * cached; each caller gets its own instance, so callers never share (or corrupt) memory.
 */
import { BackendUnavailableError } from '../../../errors.js';

let compiled: Promise<WebAssembly.Module> | undefined;

/** The file's bytes: next to the package root's build/ folder (found by walking up from here). */
async function readWasmFile(): Promise<Uint8Array> {
  const { existsSync, readFileSync } = await import('node:fs');
  const { dirname, join } = await import('node:path');
  const { fileURLToPath } = await import('node:url');
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const path = join(dir, 'build', 'atrous.wasm');
    if (existsSync(path)) return new Uint8Array(readFileSync(path));
    const parent = dirname(dir);
    if (parent === dir) {
      throw new BackendUnavailableError(
        'wasm',
        "build/atrous.wasm not found (run 'npm run build:wasm' in the atrous package)",
      );
    }
    dir = parent;
  }
}

let given: Uint8Array | undefined;

/**
 * Supplies the bytes of atrous.wasm for every later instance (browsers and bundlers, which have no
 * file system to find build/atrous.wasm in).
 */
export function setAtrousWasmBytes(bytes: Uint8Array): void {
  given = bytes;
  compiled = undefined;
}

/** The compiled module; `bytes` overrides the file lookup (browsers pass a fetched copy). */
export function atrousWasmModule(bytes?: Uint8Array): Promise<WebAssembly.Module> {
  if (bytes) return WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>);
  compiled ??= (given ? Promise.resolve(given) : readWasmFile()).then((b) =>
    WebAssembly.compile(b as Uint8Array<ArrayBuffer>),
  );
  return compiled;
}

/** One instance of the kernels with its own memory and a bump allocator. */
export class WasmInstance {
  readonly memory: WebAssembly.Memory;
  /** Start of the free region (past the module's static data). */
  private readonly base: number;
  private top: number;

  constructor(readonly exports: WebAssembly.Exports) {
    this.memory = exports.memory as WebAssembly.Memory;
    this.base = this.memory.buffer.byteLength;
    this.top = this.base;
  }

  /** An exported function, or BackendUnavailableError naming it when the build lacks it. */
  fn<F>(name: string): F {
    const f = this.exports[name];
    if (typeof f !== 'function') {
      throw new BackendUnavailableError(
        'wasm',
        `build/atrous.wasm has no export '${name}' (rebuild with 'npm run build:wasm')`,
      );
    }
    return f as F;
  }

  /** Reserves `bytes` (16-byte aligned) and returns its offset; grows memory as needed. */
  alloc(bytes: number): number {
    const at = (this.top + 15) & ~15;
    const end = at + bytes;
    const have = this.memory.buffer.byteLength;
    if (end > have) this.memory.grow(Math.ceil((end - have) / 65536));
    this.top = end;
    return at;
  }

  /** The current allocation mark, for `release`. */
  mark(): number {
    return this.top;
  }

  /** Frees everything allocated after `mark` (stack-like scratch use). */
  release(mark: number): void {
    this.top = Math.max(this.base, mark);
  }
}

/** A fresh instance of build/atrous.wasm (no imports: the kernels use `--runtime stub`). */
export async function instantiateAtrousWasm(bytes?: Uint8Array): Promise<WasmInstance> {
  const module = await atrousWasmModule(bytes);
  const instance = await WebAssembly.instantiate(module, {});
  return new WasmInstance(instance.exports);
}
