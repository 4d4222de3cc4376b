import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EMBEDDED_WGSL } from '../../src/engine/backends/webgpu/embedded-wgsl.js';
import { WEBGPU_KERNELS } from '../../src/engine/backends/webgpu/kernels/index.js';
import { OP_TYPES } from '../../src/graph/op-types.js';

/**
 * Ops that have no WGSL kernel yet. They only appear in shape math that shape inference folds to
 * constants (those nodes never reach the GPU); left at run time they fail Session.create with a
 * typed error. Adding an op to the registry without a kernel or an entry here fails this test.
 */
const NO_KERNEL_YET = ['Shape', 'Constant', 'ConstantOfShape'];

describe('webgpu kernel registry', () => {
  it('every op has a WGSL lowering, except the listed shape-math ops', () => {
    const missing = OP_TYPES.filter((op) => !WEBGPU_KERNELS[op]);
    expect(missing.sort()).toEqual([...NO_KERNEL_YET].sort());
  });

  it('every stem a lowering dispatches has its kernels/<stem>.wgsl', () => {
    const dir = new URL('../../src/engine/backends/webgpu/kernels/', import.meta.url);
    const stems = new Set<string>();
    for (const file of readdirSync(dir)) {
      const text = readFileSync(new URL(file, dir), 'utf8');
      for (const m of text.matchAll(/stem: '([a-z_0-9]+)'/g)) stems.add(m[1] as string);
    }
    expect(stems.size).toBeGreaterThan(10);
    for (const stem of stems) {
      const wgsl = readFileSync(new URL(`../../kernels/${stem}.wgsl`, import.meta.url), 'utf8');
      expect(wgsl, stem).toMatch(/override WG: u32/);
      expect(wgsl, stem).toMatch(/@compute @workgroup_size\(WG\)\s*\nfn main/);
    }
  });

  it('embeds every kernels/*.wgsl, as it is on disk, and nothing else', () => {
    const dir = new URL('../../kernels/', import.meta.url);
    const files = readdirSync(dir).filter((f) => f.endsWith('.wgsl'));
    expect(Object.keys(EMBEDDED_WGSL).sort()).toEqual(files.map((f) => f.replace(/\.wgsl$/, '')).sort());
    for (const f of files) {
      expect(EMBEDDED_WGSL[f.replace(/\.wgsl$/, '')], f).toBe(readFileSync(new URL(f, dir), 'utf8'));
    }
  });
});
