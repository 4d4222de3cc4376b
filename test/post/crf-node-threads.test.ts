import { describe, expect, it } from 'vitest';
import { Tensor } from '../../src/engine/tensor.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import { differingElements, runWasm } from '../wasm/threads-helpers.js';
import { astronautCrop, colourProbs } from './crf-helpers.js';

/** The lattice build's parallel regions (crfMeanField on a pool: keys, inserts, neighbours, CSR). */
const BUILD_KERNELS = ['crfLatticeKeys', 'crfInsertKeys', 'crfBuildNeighborsRange', 'crfBuildSplat'];

// The DenseCRF node of a threaded session builds its two lattices on the session's pool, as the
// standalone threaded denseCrf does; every array is the one thread's, so Q is bit for bit the same.
describe('DenseCRF node: lattice build on the session pool', () => {
  it('threads 2 builds in parallel regions and gives the 1-thread Q bit for bit (batch 2)', async () => {
    const size = 40;
    const n = size * size;
    const crops = [astronautCrop(120, 60, size), astronautCrop(300, 200, size)];
    const probs = new Float32Array(2 * 5 * n);
    const img = new Float32Array(2 * 3 * n);
    crops.forEach((crop, b) => {
      probs.set(colourProbs(crop, 5, b + 1).data, b * 5 * n);
      for (let i = 0; i < n; i++)
        for (let k = 0; k < 3; k++) img[(b * 3 + k) * n + i] = crop.data[i * 3 + k] as number;
    });
    const g = new GraphBuilder('crf');
    const attrs = { iterations: 3, pos_w: 3, pos_xy: 1, bi_w: 4, bi_xy: 20, bi_rgb: 5 };
    g.output(g.op('DenseCRF', [g.input('p', [2, 5, size, size]), g.input('img', [2, 3, size, size])], attrs));
    const graph = g.build();
    const feeds = {
      p: new Tensor('float32', [2, 5, size, size], probs),
      img: new Tensor('float32', [2, 3, size, size], img),
    };
    const one = await runWasm(graph, feeds, 1);
    const two = await runWasm(graph, feeds, 2);
    const name = graph.outputs[0]?.name as string;
    for (const k of BUILD_KERNELS) expect(two.regions.get(k) ?? 0, `${k} on the pool`).toBe(2);
    for (const k of BUILD_KERNELS) expect(one.regions.get(k) ?? 0, `${k} on one thread`).toBe(0);
    expect(differingElements(one.outputs.get(name) as Tensor, two.outputs.get(name) as Tensor)).toBe(0);
  });
});
