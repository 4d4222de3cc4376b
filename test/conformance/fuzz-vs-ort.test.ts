import { describe, expect, it } from 'vitest';
import type { BackendName } from '../../src/engine/backend.js';
import { Rng } from '../../src/util/random.js';
import { drawFuzzCase, FUZZ_GENERATORS } from '../helpers/fuzz-graphs.js';
import { fuzzFeeds, isFailing, runFuzzCase } from '../helpers/fuzz-run.js';
import { webgpuSkipReason } from '../webgpu/helpers.js';

/**
 * The differential fuzz, a fixed seeded slice of it: random single-op graphs and blocks of the
 * field (test/helpers/fuzz-graphs.ts) run by onnxruntime-web and by every atrous backend, graph
 * passes on. Each backend must agree with onnxruntime wherever onnxruntime runs the graph, and
 * never throw anything but an AtrousError. Half the cases empty one input axis. Long campaigns:
 * `npx vite-node scripts/fuzz-ops.ts -- --help`.
 */
const skip = await webgpuSkipReason();
const BACKENDS: BackendName[] = skip ? ['ref', 'wasm'] : ['ref', 'wasm', 'webgpu'];
const CASES = 4;

describe(`differential fuzz vs onnxruntime (${BACKENDS.join(', ')})`, () => {
  Object.entries(FUZZ_GENERATORS).forEach(([name, generate], g) => {
    it(`${name}: ${CASES} seeded cases`, async () => {
      const failures: string[] = [];
      let agreed = 0;
      for (let i = 0; i < CASES; i++) {
        const r = new Rng(1000 * (g + 1) + i);
        const c = drawFuzzCase(generate, r, { zero: i % 2 === 1 });
        if (!c) continue; // a draw the spec forbids (refused with an AtrousError at build)
        for (const o of await runFuzzCase(c.graph, fuzzFeeds(c.graph, r), BACKENDS)) {
          if (o.verdict === 'ok') agreed++;
          if (isFailing(o.verdict)) failures.push(`${c.desc} on ${o.backend}: ${o.verdict}: ${o.detail}`);
        }
      }
      expect(failures).toEqual([]);
      // Not vacuous: most cases ran on both sides.
      expect(agreed).toBeGreaterThanOrEqual(BACKENDS.length * 2);
    });
  });
});
