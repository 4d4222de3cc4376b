import { expect } from 'vitest';
import { scanConvFeatures } from '../../src/engine/backends/webgpu/conv-features.js';
import { acquireDevice } from '../../src/engine/backends/webgpu/device.js';
import { Session } from '../../src/engine/session.js';
import { Tensor } from '../../src/engine/tensor.js';
import type { Graph } from '../../src/graph/ir.js';
import { Rng } from '../../src/util/random.js';
import { expectClose, type Tolerance } from '../helpers/compare.js';

/**
 * Why WebGPU tests cannot run here (no `webgpu` package, no adapter), or undefined when they can.
 * CI gets SwiftShader from Debian's chromium package (see src/engine/backends/webgpu/README.md).
 */
export async function webgpuSkipReason(): Promise<string | undefined> {
  try {
    const ctx = await acquireDevice();
    ctx.destroy();
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

/** Seeded random float32 feeds for every runtime input of the graph. */
export function randomFeeds(graph: Graph, seed: number): Record<string, Tensor> {
  const rng = new Rng(seed);
  const feeds: Record<string, Tensor> = {};
  for (const t of graph.inputs) {
    if (graph.initializers.has(t.name)) continue;
    const dims = t.shape as number[];
    const n = dims.reduce((a, d) => a * d, 1);
    feeds[t.name] = new Tensor('float32', dims, rng.floats(n, -1, 1));
  }
  return feeds;
}

/**
 * Runs the graph on ref and webgpu (no graph passes), compares every output (with `tol`, or the
 * tolerance it gives for that expected output) and returns the webgpu pipelines the session was
 * created with (one use per dispatch). Where it starts on quicker-to-compile kernels (tiered
 * start-up, software adapters), it runs again once upgraded and compares that run too: both tiers
 * are checked.
 */
export async function expectMatchesRef(
  graph: Graph,
  tol: Tolerance | ((want: Tensor) => Tolerance),
  seed = 1,
  feeds: Record<string, Tensor> = randomFeeds(graph, seed),
) {
  const ref = await Session.create(graph, { backend: 'ref', optimize: false });
  const gpu = await Session.create(graph, { backend: 'webgpu', optimize: false });
  try {
    const want = await ref.run(feeds);
    const compare = (got: Record<string, Tensor>, tier: string) => {
      for (const name of Object.keys(want)) {
        const w = want[name] as Tensor;
        expectClose(
          got[name] as Tensor,
          w,
          typeof tol === 'function' ? tol(w) : tol,
          `${graph.name}:${name}${tier}`,
        );
      }
    };
    // Read before the first run, which starts the upgrades (their uses are recorded then).
    const uses = gpu.shaders()?.uses ?? [];
    compare(await gpu.run(feeds), '');
    await gpu.upgraded();
    if ((gpu.shaders()?.uses.length ?? 0) > uses.length) compare(await gpu.run(feeds), ' (upgraded)');
    // The scan of the graph found every conv feature its steps use: one FEAT for all of them.
    expect(convFeats(gpu.shaders()?.uses ?? []), `${graph.name}: conv FEAT`).toEqual(
      convFeats(uses).length ? [scanConvFeatures(graph)] : [],
    );
    return uses;
  } finally {
    gpu.release();
    ref.release();
  }
}

/** The distinct FEAT overrides of a session's conv_gemm, conv_pixel and depthwise pipeline uses. */
export function convFeats(uses: readonly { file: string; overrides: Record<string, number> }[]): number[] {
  const convs = uses.filter((u) => /^(conv_gemm|conv_gemm_nosg|conv_pixel|depthwise)-/.test(u.file));
  return [...new Set(convs.map((u) => u.overrides.FEAT as number))];
}

/** The kernel files of a session's pipeline uses (`<stem>-<hash>.wgsl`), without their hash. */
export function kernelStems(uses: readonly { file: string }[]): string[] {
  return uses.map((u) => u.file.replace(/-[0-9a-f]+\.wgsl$/, ''));
}
