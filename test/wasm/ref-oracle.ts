import { expect } from 'vitest';
import { Session } from '../../src/engine/session.js';
import { Tensor } from '../../src/engine/tensor.js';
import type { GraphBuilder } from '../../src/graph/builder.js';
import { Rng } from '../../src/util/random.js';
import { expectClose } from '../helpers/compare.js';

/** Seeded float32 input in [-1, 1]. */
export function randomInput(rng: Rng, dims: number[]): Tensor {
  return new Tensor('float32', dims, rng.floats(dims.reduce((a, b) => a * b, 1)));
}

/**
 * Runs a built graph on the ref backend (the oracle) and on the WASM backend, both without graph
 * passes so the node under test is the one that runs, and compares every output.
 * Tolerance: abs `atol` + relative 1e-4 (float32 sums of up to a few hundred products).
 */
export async function expectWasmMatchesRef(
  b: GraphBuilder,
  feeds: Record<string, Tensor>,
  label: string,
  atol = 1e-5,
): Promise<void> {
  const graph = b.build();
  const ref = await Session.create(graph, { backend: 'ref', optimize: false });
  const wasm = await Session.create(graph, { backend: 'wasm', optimize: false });
  const want = await ref.run(feeds);
  const got = await wasm.run(feeds);
  wasm.release();
  for (const [name, t] of Object.entries(want)) {
    const g = got[name];
    expect(g, `${label}: output ${name}`).toBeDefined();
    expectClose(g as Tensor, t, { atol, rtol: 1e-4 }, `${label} ${name}`);
  }
}

export { Rng };
