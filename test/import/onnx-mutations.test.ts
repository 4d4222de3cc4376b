import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Session } from '../../src/engine/session.js';
import { Tensor } from '../../src/engine/tensor.js';
import { AtrousError } from '../../src/errors.js';
import { Rng } from '../../src/util/random.js';
import { mutateOnnx } from '../helpers/onnx-mutate.js';

/**
 * Seeded structural mutations of the PyTorch fixture models (test/helpers/onnx-mutate.ts): each one
 * imports and runs on the ref backend, or fails with an AtrousError, never anything else (a
 * STRING attribute without bytes crashed TextDecoder before 99da520).
 */
const DIR = new URL('../fixtures/pytorch/', import.meta.url);
const MODELS = readdirSync(DIR)
  .filter((f) => f.endsWith('.onnx'))
  .map((f) => ({ name: f, bytes: new Uint8Array(readFileSync(new URL(f, DIR))) }));

describe('ONNX models with structural mutations', () => {
  it('import and run, or fail with an AtrousError (300 seeded cases)', async () => {
    const outcomes = { ran: 0, typed: 0 };
    const crashes: string[] = [];
    for (let i = 0; i < 300; i++) {
      const r = new Rng(4242 + i);
      const model = MODELS[r.int(0, MODELS.length - 1)] as (typeof MODELS)[number];
      const { bytes, what } = mutateOnnx(model.bytes, r);
      try {
        const s = await Session.create(bytes);
        const feeds: Record<string, Tensor> = {};
        for (const t of s.inputs) {
          const dims = t.shape.map((d) => (typeof d === 'number' ? d : 1));
          feeds[t.name] = new Tensor('float32', dims, r.floats(dims.reduce((a, d) => a * d, 1)));
        }
        await s.run(feeds);
        s.release();
        outcomes.ran++;
      } catch (e) {
        if (e instanceof AtrousError) outcomes.typed++;
        else crashes.push(`${model.name} [${what.join('; ')}]: ${(e as Error).stack?.split('\n')[0]}`);
      }
    }
    expect(crashes).toEqual([]);
    // Both kinds of outcome happen: the mutations are neither all harmless nor all fatal.
    expect(outcomes.ran).toBeGreaterThan(30);
    expect(outcomes.typed).toBeGreaterThan(30);
  });
});
