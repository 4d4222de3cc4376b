import { expect } from 'vitest';
import { createWasmBackend } from '../../src/engine/backends/wasm/index.js';
import { parallelRegions } from '../../src/engine/backends/wasm/threads.js';
import type { Tensor } from '../../src/engine/tensor.js';
import type { Graph } from '../../src/graph/ir.js';
import { inferShapes } from '../../src/graph/shape-inference.js';

/** Runs `graph` on the WASM backend with `threads` (every call split: minParallelWork 0). */
export async function runWasm(
  graph: Graph,
  feeds: Record<string, Tensor>,
  threads: number,
  minParallelWork = 0,
  winograd4 = true,
): Promise<{ outputs: Map<string, Tensor>; regions: Map<string, number> }> {
  const model = await createWasmBackend({ threads, minParallelWork, winograd4 }).prepare(
    graph,
    inferShapes(graph),
  );
  const before = new Map(parallelRegions());
  try {
    const outputs = await model.run(
      new Map(Object.entries(feeds)),
      graph.outputs.map((o) => o.name),
    );
    const regions = new Map<string, number>();
    for (const [k, n] of parallelRegions()) {
      if (n > (before.get(k) ?? 0)) regions.set(k, n - (before.get(k) ?? 0));
    }
    return { outputs, regions };
  } finally {
    model.release();
  }
}

/** Bit patterns of a float tensor (so NaN and -0 compare exactly), or the values of others. */
function bits(t: Tensor): ArrayLike<number | bigint> {
  const d = t.data;
  return d instanceof Float32Array ? new Uint32Array(d.buffer, d.byteOffset, d.length) : d;
}

/** Number of elements whose bits differ (0 means bit-identical). */
export function differingElements(a: Tensor, b: Tensor): number {
  expect(b.dims).toEqual(a.dims);
  const x = bits(a);
  const y = bits(b);
  let n = 0;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) n++;
  return n;
}

/**
 * Threads 1 vs `threads`: every output bit-identical, and each kernel of `kernels` really ran
 * split at least once, or some kernel when the list is empty (so the test cannot pass by running
 * everything on one thread).
 */
export async function expectThreadsIdentical(
  graph: Graph,
  feeds: Record<string, Tensor>,
  label: string,
  threads: number,
  kernels: readonly string[],
): Promise<void> {
  const one = await runWasm(graph, feeds, 1);
  const many = await runWasm(graph, feeds, threads);
  expect(one.regions.size, `${label}: one thread never splits`).toBe(0);
  if (kernels.length === 0) expect(many.regions.size, `${label}: some calls split`).toBeGreaterThan(0);
  for (const k of kernels) {
    expect(many.regions.get(k) ?? 0, `${label}: ${k} calls split over ${threads} threads`).toBeGreaterThan(0);
  }
  for (const [name, t] of one.outputs) {
    const u = many.outputs.get(name);
    expect(u, `${label}: output ${name}`).toBeDefined();
    expect(differingElements(t, u as Tensor), `${label}: ${name} elements differing`).toBe(0);
  }
}
