/**
 * Loads build/atrous.wasm (the AssemblyScript kernels, `npm run build:wasm`) and hands out
 * instances with a bump allocator over their linear memory. The module is compiled once and
 * cached; each caller gets its own instance, so callers never share (or corrupt) memory.
 */
import { BackendUnavailableError } from '../../../errors.js';

let compiled: Promise<WebAssembly.Module> | undefined;

/** The file's bytes: next to the package root's build/ folder (found by walking up from here). */
async function readWasmFile(file = 'atrous.wasm'): Promise<Uint8Array> {
  const { existsSync, readFileSync } = await import('node:fs');
  const { dirname, join } = await import('node:path');
  const { fileURLToPath } = await import('node:url');
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const path = join(dir, 'build', file);
    if (existsSync(path)) return new Uint8Array(readFileSync(path));
    const parent = dirname(dir);
    if (parent === dir) {
      throw new BackendUnavailableError(
        'wasm',
        `build/${file} not found (run 'npm run build:wasm' in the atrous package)`,
      );
    }
    dir = parent;
  }
}

let given: Uint8Array | undefined;
let compiledMt: Promise<WebAssembly.Module> | undefined;
let givenMt: Uint8Array | undefined;

/**
 * Supplies the bytes of atrous.wasm (and of atrous-mt.wasm, the shared-memory build that `threads`
 * needs) for every later instance (browsers and bundlers, which have no file system to find
 * build/atrous.wasm in).
 */
export function setAtrousWasmBytes(bytes: Uint8Array, mtBytes?: Uint8Array): void {
  given = bytes;
  compiled = undefined;
  if (mtBytes) {
    givenMt = mtBytes;
    compiledMt = undefined;
  }
}

/** The compiled module; `bytes` overrides the file lookup (browsers pass a fetched copy). */
export function atrousWasmModule(bytes?: Uint8Array): Promise<WebAssembly.Module> {
  if (bytes) return WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>);
  compiled ??= (given ? Promise.resolve(given) : readWasmFile()).then((b) =>
    WebAssembly.compile(b as Uint8Array<ArrayBuffer>),
  );
  return compiled;
}

/** The compiled shared-memory build (build/atrous-mt.wasm, imports `env.memory`). */
export function atrousMtWasmModule(bytes?: Uint8Array): Promise<WebAssembly.Module> {
  if (bytes) return WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>);
  compiledMt ??= (givenMt ? Promise.resolve(givenMt) : readWasmFile('atrous-mt.wasm')).then((b) =>
    WebAssembly.compile(b as Uint8Array<ArrayBuffer>),
  );
  return compiledMt;
}

/** One instance of the kernels with its own memory and a bump allocator. */
export class WasmInstance {
  readonly memory: WebAssembly.Memory;
  /** Start of the free region (past the module's static data). */
  private readonly base: number;
  private top: number;

  constructor(
    readonly exports: WebAssembly.Exports,
    memory?: WebAssembly.Memory,
  ) {
    this.memory = memory ?? (exports.memory as WebAssembly.Memory);
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
    if (end > have) {
      try {
        this.memory.grow(Math.ceil((end - have) / 65536));
      } catch {
        throw new BackendUnavailableError(
          'wasm',
          `the session needs ${Math.ceil(end / 2 ** 20)} MiB of WASM memory, more than this engine grants (use smaller inputs or the webgpu backend)`,
        );
      }
    }
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

/**
 * Largest shared memory a threaded session may grow to (pages of 64 KiB: 2 GiB). Shared memories
 * must declare a maximum, which engines reserve up front; build/atrous-mt.wasm allows 4 GiB.
 */
const SHARED_MAX_PAGES = 32768;

/**
 * A fresh instance of build/atrous-mt.wasm over a new shared memory (SharedArrayBuffer), which
 * worker instances of the same module import too. The memory starts at the module's declared
 * minimum (found by linking: the static data fits in it), so the allocator starts past it.
 */
export async function instantiateSharedAtrousWasm(
  bytes?: Uint8Array,
): Promise<{ module: WebAssembly.Module; instance: WasmInstance }> {
  const module = await atrousMtWasmModule(bytes);
  for (let pages = 1; pages <= 1024; pages *= 2) {
    const memory = new WebAssembly.Memory({ initial: pages, maximum: SHARED_MAX_PAGES, shared: true });
    try {
      const instance = await WebAssembly.instantiate(module, { env: { memory } });
      return { module, instance: new WasmInstance(instance.exports, memory) };
    } catch (e) {
      // Too small for the declared minimum: try twice the size; anything else is a real failure.
      if (!(e instanceof WebAssembly.LinkError)) throw e;
    }
  }
  throw new BackendUnavailableError('wasm', 'build/atrous-mt.wasm does not link with a shared memory');
}
