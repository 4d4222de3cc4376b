import { expect } from 'vitest';
import { Session } from '../../src/engine/session.js';
import { Tensor } from '../../src/engine/tensor.js';
import type { Graph } from '../../src/graph/ir.js';
import { validateGraph } from '../../src/graph/validate.js';
import { Rng } from '../../src/util/random.js';
import { expectClose } from '../helpers/compare.js';

/** A deep, printable copy of a graph (tensor data included) to prove a pass left its input alone. */
export function snapshot(graph: Graph): string {
  return JSON.stringify(graph, (_key, value: unknown) => {
    if (value instanceof Map) return { map: [...value.entries()] };
    if (value instanceof Tensor) return { dtype: value.dtype, dims: value.dims, data: value.toNumbers() };
    if (typeof value === 'bigint') return value.toString();
    return value;
  });
}

/** Runs `pass` on `graph`, checks the input graph is unchanged and the result still valid. */
export function applyPass(pass: (g: Graph) => Graph, graph: Graph): Graph {
  const before = snapshot(graph);
  const after = pass(graph);
  expect(snapshot(graph), 'the pass must not mutate its input').toBe(before);
  expect(after).not.toBe(graph);
  validateGraph(after);
  return after;
}

/** Seeded float32 feeds for every runtime input with a static shape. */
export function randomFeeds(graph: Graph, seed = 7): Record<string, Tensor> {
  const rng = new Rng(seed);
  const feeds: Record<string, Tensor> = {};
  for (const input of graph.inputs) {
    if (graph.initializers.has(input.name)) continue;
    const dims = input.shape as number[];
    const size = dims.reduce((a, b) => a * b, 1);
    feeds[input.name] = new Tensor('float32', dims, rng.floats(size, -2, 2));
  }
  return feeds;
}

/** Runs both graphs unoptimized on the ref backend and compares every output of `before`. */
export async function expectSameOutputs(before: Graph, after: Graph, atol = 1e-5, seed = 7): Promise<void> {
  const feeds = randomFeeds(before, seed);
  const a = await (await Session.create(before, { optimize: false })).run(feeds);
  const b = await (await Session.create(after, { optimize: false })).run(feeds);
  expect(Object.keys(b).sort()).toEqual(Object.keys(a).sort());
  for (const [name, expected] of Object.entries(a)) {
    expectClose(b[name] as Tensor, expected, { atol, rtol: 0 }, name);
  }
}

export function opsOf(graph: Graph): string[] {
  return graph.nodes.map((n) => n.op);
}
