import { expect } from 'vitest';
import { Session } from '../../src/engine/session.js';
import type { Tensor } from '../../src/engine/tensor.js';
import { importModel } from '../../src/graph/import/index.js';
import { Rng } from '../../src/util/random.js';
import { expectClose, type Tolerance } from '../helpers/compare.js';
import { nhwc } from '../helpers/nhwc-ref.js';
import { runOrt } from '../helpers/ort.js';
import type { TflModelBuilder } from '../helpers/tflite-writer.js';

export type BackendName = 'ref' | 'wasm' | 'ort';
export const TOL: Tolerance = { atol: 2e-5, rtol: 2e-5 };

let seed = 1;
/** Seeded random NHWC float32 data. */
export function rand(dims: number[], lo = -1, hi = 1): Tensor<'float32'> {
  const n = dims.reduce((a, d) => a * d, 1);
  return nhwc(dims, new Rng(seed++).floats(n, lo, hi));
}

/**
 * Writes the model, imports it through importModel (format detection included), runs it on each
 * backend (ref with and without graph passes, wasm) and on onnxruntime-web, against `expected`.
 */
export async function expectTflite(
  m: TflModelBuilder,
  feeds: Record<string, Tensor>,
  expected: Record<string, Tensor>,
  tol: Tolerance = TOL,
  backends: BackendName[] = ['ref', 'wasm', 'ort'],
): Promise<void> {
  const bytes = m.build();
  for (const backend of backends) {
    if (backend === 'ort') {
      // onnxruntime-web runs the imported graph as ONNX: checks the IR's semantics independently of atrous's kernels.
      const got = await runOrt(importModel(bytes), feeds);
      for (const [name, want] of Object.entries(expected))
        expectClose(got[name] as Tensor, want, tol, `ort:${name}`);
      continue;
    }
    for (const optimize of backend === 'ref' ? [false, true] : [true]) {
      const s = await Session.create(bytes, { backend, optimize });
      try {
        const got = await s.run(feeds);
        for (const [name, want] of Object.entries(expected)) {
          expectClose(got[name] as Tensor, want, tol, `${backend}${optimize ? '' : ' (no passes)'}:${name}`);
        }
      } finally {
        s.release();
      }
    }
  }
}

/** Op histogram of the imported graph (to check the Transpose count stays small). */
export function opCounts(m: TflModelBuilder): Record<string, number> {
  const g = importModel(m.build());
  const counts: Record<string, number> = {};
  for (const n of g.nodes) counts[n.op] = (counts[n.op] ?? 0) + 1;
  return counts;
}

export function f32Values(t: Tensor): number[] {
  return Array.from({ length: t.size }, (_, i) => t.get(i));
}

export function expectDims(t: Tensor | undefined, dims: number[]): void {
  expect(t?.dims).toEqual(dims);
}
