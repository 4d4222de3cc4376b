import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/util/random.js';

// The AssemblyScript build is wired in (npm run build:wasm → build/atrous.wasm); the WASM backend
// issue adds every kernel. This checks the toolchain end to end on the first kernel.
describe('assembly/activation.ts (build/atrous.wasm)', () => {
  it('relu matches the scalar definition, including the non-multiple-of-4 tail', async () => {
    const bytes = readFileSync(new URL('../../build/atrous.wasm', import.meta.url));
    const { instance } = await WebAssembly.instantiate(bytes, {});
    const memory = instance.exports.memory as WebAssembly.Memory;
    const relu = instance.exports.relu as (src: number, dst: number, n: number) => void;
    const n = 1027;
    const base = memory.buffer.byteLength; // past the module's static data
    memory.grow(1);
    const src = new Float32Array(memory.buffer, base, n);
    src.set(new Rng(7).floats(n, -2, 2));
    relu(base, base + n * 4, n);
    const dst = new Float32Array(memory.buffer, base + n * 4, n);
    for (let i = 0; i < n; i++) expect(dst[i]).toBe(Math.max(src[i] as number, 0));
  });
});
