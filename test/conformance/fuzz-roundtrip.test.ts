import { describe, expect, it } from 'vitest';
import { outputError } from '../../src/engine/output-error.js';
import { Session } from '../../src/engine/session.js';
import type { Tensor } from '../../src/engine/tensor.js';
import { exportOnnx } from '../../src/graph/export/onnx.js';
import { importOnnx } from '../../src/graph/import/onnx.js';
import type { Graph } from '../../src/graph/ir.js';
import { loadAtrous } from '../../src/graph/serialize/atrous-reader.js';
import { saveAtrous } from '../../src/graph/serialize/atrous-writer.js';
import { Rng } from '../../src/util/random.js';
import { drawFuzzCase, FUZZ_GENERATORS } from '../helpers/fuzz-graphs.js';
import { fuzzFeeds, outputScale } from '../helpers/fuzz-run.js';

/**
 * Round trips of the fuzz graphs (test/helpers/fuzz-graphs.ts): saved as .atrous and loaded, each
 * graph computes bit for bit what it computed before (ref backend, no graph passes); written as
 * ONNX and read back, the same within 1e-6 (ONNX float attributes are float32, and the graphs are
 * built with doubles such as HardSigmoid's 1/6). So neither format drops or bends an attribute, a
 * constant or an edge. Opset 9 graphs (Upsample) are not written as ONNX: atrous reads opsets 11-18.
 */
async function outputs(graph: Graph, feeds: Record<string, Tensor>): Promise<[string, number[]][]> {
  const s = await Session.create(graph, { optimize: false });
  try {
    const out = await s.run(feeds);
    return Object.entries(out).map(([k, t]) => [k, Array.from(t.data as ArrayLike<number | bigint>, Number)]);
  } finally {
    s.release();
  }
}

describe('fuzz graphs survive ONNX export/import and .atrous save/load', () => {
  Object.entries(FUZZ_GENERATORS).forEach(([name, generate], g) => {
    it(name, async () => {
      let checked = 0;
      for (let i = 0; i < 3; i++) {
        const r = new Rng(5000 * (g + 1) + i);
        const c = drawFuzzCase(generate, r, {});
        if (!c) continue;
        const feeds = fuzzFeeds(c.graph, r);
        const want = await outputs(c.graph, feeds);
        expect(await outputs(loadAtrous(saveAtrous(c.graph)), feeds), `${c.desc} via .atrous`).toEqual(want);
        if (c.graph.opset >= 11) {
          const got = await outputs(importOnnx(exportOnnx(c.graph)), feeds);
          expect(
            got.map(([k]) => k),
            `${c.desc} via ONNX`,
          ).toEqual(want.map(([k]) => k));
          got.forEach(([k, values], o) => {
            const expected = (want[o] as [string, number[]])[1];
            const scale = outputScale(expected);
            expect(outputError(values, expected).maxAbs, `${c.desc} via ONNX, ${k}`).toBeLessThanOrEqual(
              1e-6 * scale,
            );
          });
        }
        checked++;
      }
      expect(checked).toBeGreaterThan(0);
    });
  });
});
