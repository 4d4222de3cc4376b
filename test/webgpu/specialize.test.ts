import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { specializeWgsl, WgslDirectiveError } from '../../src/engine/backends/webgpu/specialize.js';

/**
 * specializeWgsl: `// #if` regions of a kernel kept or dropped by the pipeline's override constants
 * (no GPU needed; the kernels' specialised texts run in every conv_gemm test).
 */
const KERNEL = [
  'a',
  '// #if CBK > 1',
  'b',
  '  // #if FEAT & 6',
  '  c',
  '  // #endif',
  '// #endif',
  '// #if FEAT & 1',
  'd',
  '// #endif',
  '// #if CBK < 3',
  'e',
  '// #endif',
  '// #if CBK == 8',
  'f',
  '// #endif',
  'g',
].join('\n');

const lines = (constants: Record<string, number>) => specializeWgsl(KERNEL, constants).split('\n');

describe('specializeWgsl', () => {
  it('returns a text without directives as it is', () => {
    const text = 'fn main() {}\n// a comment\n';
    expect(specializeWgsl(text, { CBK: 1 })).toBe(text);
  });

  it('keeps or drops each region by its condition, and drops the directive lines', () => {
    expect(lines({ CBK: 1, FEAT: 0 })).toEqual(['a', 'e', 'g']);
    expect(lines({ CBK: 2, FEAT: 2 })).toEqual(['a', 'b', '  c', 'e', 'g']);
    expect(lines({ CBK: 8, FEAT: 1 })).toEqual(['a', 'b', 'd', 'f', 'g']);
    // A bit test holds when any bit of the mask is set (FEAT & 6: bit 1 or 2).
    expect(lines({ CBK: 4, FEAT: 4 })).toEqual(['a', 'b', '  c', 'g']);
    // All bits, as the kernel's default 0xffffffff.
    expect(lines({ CBK: 2, FEAT: 0xffffffff })).toEqual(['a', 'b', '  c', 'd', 'e', 'g']);
  });

  it('drops a nested region with its outer one, and keeps a region whose override is not given', () => {
    expect(lines({ CBK: 1, FEAT: 6 })).toEqual(['a', 'e', 'g']);
    expect(lines({})).toEqual(['a', 'b', '  c', 'd', 'e', 'f', 'g']);
    expect(lines({ FEAT: 0 })).toEqual(['a', 'b', 'e', 'f', 'g']);
  });

  it('names the line of a malformed directive', () => {
    const bad = (text: string, message: RegExp) => {
      expect(() => specializeWgsl(text, { CBK: 1 })).toThrow(WgslDirectiveError);
      expect(() => specializeWgsl(text, { CBK: 1 })).toThrow(message);
    };
    bad('a\n// #if CBK >= 1\nb\n// #endif', /line 2: cannot read condition 'CBK >= 1'/);
    bad('a\n// #endif', /line 2: #endif without #if/);
    bad('// #if CBK > 1\n// #if CBK > 2\n// #endif', /1 #if without #endif/);
    bad('// #if CBK > 1\n// #else\n// #endif', /line 2: unknown directive '\/\/ #else'/);
    bad('// #if CBK > 1\n// #endif CBK\n', /line 2: unknown directive/);
  });

  it('conv_pixel with no feature keeps no activation, residual or rate loop', () => {
    const plain = specializeWgsl(readFileSync('kernels/conv_pixel.wgsl', 'utf8'), { WG: 64, FEAT: 0 });
    expect(plain).not.toMatch(/^\s*\/\/ #/m);
    expect(plain).not.toContain('exp(');
    expect(plain).not.toContain('case 1u');
    expect(plain).not.toContain('rv.x = res[ra]');
    expect(plain).not.toContain('loop {');
    expect(plain).toContain('default: { return v; }');
  });

  it('depthwise with no activation bit keeps no activation case; with Relu only that one', () => {
    const source = readFileSync('kernels/depthwise.wgsl', 'utf8');
    expect(specializeWgsl(source, { FEAT: 0 })).not.toMatch(/case \du/);
    expect(specializeWgsl(source, { FEAT: 4 }).match(/case \du/g)).toEqual(['case 1u']);
  });

  it('conv_gemm at CBK 1 with no feature keeps neither the other blocks nor any feature code', () => {
    for (const stem of ['conv_gemm', 'conv_gemm_nosg']) {
      const source = readFileSync(`kernels/${stem}.wgsl`, 'utf8');
      const plain = specializeWgsl(source, { CBK: 1, FEAT: 0 });
      expect(plain).not.toMatch(/^\s*\/\/ #/m);
      expect(plain).not.toMatch(/\ba4\b/);
      expect(plain).not.toContain('exp(');
      expect(plain).not.toContain('residual(ch, ra)');
      expect(plain).not.toContain('loop {');
      // Every feature and CBK not given: only the directive lines go.
      const all = specializeWgsl(source, { FEAT: 0xffffffff });
      expect(all).toBe(
        source
          .split('\n')
          .filter((l) => !/^\s*\/\/ #/.test(l))
          .join('\n'),
      );
    }
  });

  it('resize by cell: one store per output the cell has, no lerp when nearest, no softmax pass unless asked', () => {
    const stores = (t: string) => t.match(/^\s*y\[/gm)?.length ?? 0;
    const resize = readFileSync('kernels/resize.wgsl', 'utf8');
    const x8 = specializeWgsl(resize, { BY: 2, BX: 8, LINEAR: 1 });
    expect(x8).not.toMatch(/^\s*\/\/ #/m);
    expect(stores(x8)).toBe(16);
    expect(x8.match(/x\[base/g)).toHaveLength(4);
    const gpu = specializeWgsl(resize, { BY: 1, BX: 1, LINEAR: 1 });
    expect(stores(gpu)).toBe(1);
    expect(gpu).not.toContain('cw1_1');
    const short = specializeWgsl(resize, { BY: 1, BX: 3, LINEAR: 0 });
    expect(stores(short)).toBe(3);
    expect(short.match(/x\[base/g)).toHaveLength(1);
    expect(short).not.toContain('cw0_0');
    // resize_argmax: the softmax passes and the select_last test only where the overrides ask.
    const argmax = readFileSync('kernels/resize_argmax.wgsl', 'utf8');
    const plain = specializeWgsl(argmax, { BY: 2, BX: 8, LINEAR: 1, SOFTMAX: 0, SELECT_LAST: 0 });
    expect(plain).not.toContain('exp(');
    expect(plain).not.toContain('SELECT_LAST)');
    expect(stores(plain)).toBe(16);
    const both = specializeWgsl(argmax, { BY: 2, BX: 8, LINEAR: 1, SOFTMAX: 1, SELECT_LAST: 1 });
    expect(both).toContain('exp(');
    expect(both).toContain('vec4(SELECT_LAST)');
  });
});
