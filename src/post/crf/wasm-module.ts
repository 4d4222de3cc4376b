import { instantiateAtrousWasm, type WasmInstance } from '../../engine/backends/wasm/module.js';
import { BackendUnavailableError } from '../../errors.js';

/** The CRF exports of build/atrous.wasm (assembly/crf.ts). */
export interface CrfExports {
  memory: WebAssembly.Memory;
  crfBuildLattice(
    n: number,
    d: number,
    features: number,
    offsets: number,
    weights: number,
    table: number,
    mask: number,
    keys: number,
    scratch: number,
  ): number;
  crfTableMask(): number;
  crfUnary(n: number, c: number, cp: number, scores: number, logits: number, unary: number): void;
  crfBuildNeighbors(
    m: number,
    d: number,
    table: number,
    mask: number,
    keys: number,
    neighbors: number,
    scratch: number,
  ): void;
  crfBuildSplat(
    n: number,
    d1: number,
    m: number,
    offsets: number,
    weights: number,
    start: number,
    cursor: number,
    pix: number,
    bw: number,
  ): void;
  crfLatticeNorm(
    n: number,
    d1: number,
    m: number,
    offsets: number,
    weights: number,
    start: number,
    bw: number,
    neighbors: number,
    alpha: number,
    a: number,
    b: number,
    norm: number,
  ): void;
  crfScaleWeights(
    n: number,
    d1: number,
    norm: number,
    pix: number,
    bw: number,
    weights: number,
    scale: number,
    sl: number,
  ): void;
  crfSplat(
    m: number,
    cp: number,
    cw: number,
    chunk: number,
    start: number,
    pix: number,
    sw: number,
    q: number,
    a: number,
  ): void;
  crfBlur(
    m: number,
    d1: number,
    cw: number,
    chunks: number,
    chunk: number,
    neighbors: number,
    a: number,
    b: number,
  ): number;
  crfSliceSoftmax(
    n: number,
    c: number,
    cp: number,
    cw: number,
    chunkA: number,
    chunkB: number,
    unary: number,
    q: number,
    d1a: number,
    offA: number,
    wA: number,
    valsA: number,
    d1b: number,
    offB: number,
    wB: number,
    valsB: number,
  ): void;
}

let instance: Promise<{ wasm: CrfExports; mem: WasmInstance }> | undefined;

/** One instance of build/atrous.wasm for the CRF (the shared loader finds or is given the bytes). */
async function load(): Promise<{ wasm: CrfExports; mem: WasmInstance }> {
  const mem = await instantiateAtrousWasm();
  if (typeof mem.exports.crfSliceSoftmax !== 'function') {
    throw new BackendUnavailableError(
      'wasm',
      'atrous.wasm has no CRF kernels; rebuild it (npm run build:wasm)',
    );
  }
  return { wasm: mem.exports as unknown as CrfExports, mem };
}

export function crfWasm(): Promise<{ wasm: CrfExports; mem: WasmInstance }> {
  instance ??= load();
  instance.catch(() => {
    instance = undefined;
  });
  return instance;
}
