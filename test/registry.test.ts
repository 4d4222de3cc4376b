import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { REF_KERNELS } from '../src/engine/backends/ref/kernels/index.js';
import { OPS } from '../src/engine/ops/index.js';
import { OP_TYPES } from '../src/graph/op-types.js';

const root = new URL('../', import.meta.url);
const file = (path: string) => new URL(path, root);

// The layout cannot drift: every op has its definition, its reference kernel and its test, all
// under the same file stem. (WGSL and AssemblyScript files join this list with their backends.)
describe('op registry', () => {
  for (const op of OP_TYPES) {
    describe(op, () => {
      const def = OPS[op];
      it('has a definition whose name matches its key', () => {
        expect(def.op).toBe(op);
        expect(def.stem).toMatch(/^[a-z_0-9]+$/);
      });
      it('has a reference kernel', () => {
        expect(typeof REF_KERNELS[op]).toBe('function');
      });
      it('has its files under one stem, none of them a stub', () => {
        for (const path of [
          `src/engine/ops/${def.stem}.ts`,
          `src/engine/backends/ref/kernels/${def.stem}.ts`,
          `test/ops/${def.stem}.test.ts`,
        ]) {
          expect(existsSync(file(path)), path).toBe(true);
          expect(readFileSync(file(path), 'utf8'), path).not.toMatch(/\bSTUB\b/);
        }
      });
    });
  }
});
