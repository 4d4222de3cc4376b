import { describe, expect, it } from 'vitest';
import { parallelRegions } from '../../src/engine/backends/wasm/threads.js';
import { Tensor } from '../../src/engine/tensor.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import type { RgbImage } from '../../src/io/image.js';
import { denseCrf } from '../../src/post/crf/index.js';
import { crfKernels, crfProblem } from '../../src/post/crf/inputs.js';
import { resolveCrfParams } from '../../src/post/crf/params.js';
import { buildCrfLatticesWasm } from '../../src/post/crf/wasm.js';
import { astronautCrop, colourProbs } from '../post/crf-helpers.js';
import { differingElements, expectThreadsIdentical } from './threads-helpers.js';

/** (1, 3, H, W) float 0-255 planes of an RGB image. */
function imageTensor(img: RgbImage): Tensor<'float32'> {
  const n = img.width * img.height;
  const out = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) for (let k = 0; k < 3; k++) out[k * n + i] = img.data[i * 3 + k] as number;
  return new Tensor('float32', [1, 3, img.height, img.width], out);
}

const CRF_KERNELS = ['crfSplat', 'crfBlurDir', 'crfSliceSoftmax'];
/** The lattice build's parallel regions with threads: keys and neighbours by point range, a task per kernel for the rest. */
const BUILD_KERNELS = ['crfLatticeKeys', 'crfInsertKeys', 'crfBuildNeighborsRange', 'crfBuildSplat'];

// Every phase of an iteration writes each row (lattice point, pixel) from exactly one thread with
// the same code in the same order, so threads give Q bit for bit.
describe('Dense CRF on WASM threads: 1 and n threads give bit-identical Q', () => {
  it('the DenseCRF node in a threads: 2 / 3 session (every phase split)', async () => {
    const image = astronautCrop(60, 140, 24);
    const b = new GraphBuilder('crf');
    const attrs = { iterations: 4, pos_w: 3, pos_xy: 3, bi_w: 10, bi_xy: 80, bi_rgb: 13 };
    b.output(b.op('DenseCRF', [b.input('p', [1, 6, 24, 24]), b.input('img', [1, 3, 24, 24])], attrs));
    const feeds = { p: colourProbs(image, 6, 2), img: imageTensor(image) };
    for (const threads of [2, 3]) {
      await expectThreadsIdentical(b.build(), feeds, `DenseCRF ${threads} threads`, threads, CRF_KERNELS);
    }
  });

  it("denseCrf({ backend: 'wasm', threads: 2 }) equals one thread's Q and really splits", async () => {
    // 128x128 x 21 classes: each phase is above the standalone split threshold (2^18 row floats).
    const image = astronautCrop(200, 180, 128);
    const probs = colourProbs(image, 21, 4);
    const params = 'deeplab-v2' as const;
    const one = await denseCrf({ probs, image, params, backend: 'wasm' });
    const before = new Map(parallelRegions());
    const two = await denseCrf({ probs, image, params, backend: 'wasm', threads: 2 });
    for (const k of [...CRF_KERNELS, ...BUILD_KERNELS]) {
      expect((parallelRegions().get(k) ?? 0) - (before.get(k) ?? 0), `${k} split`).toBeGreaterThan(0);
    }
    expect(differingElements(one, two)).toBe(0);
  });
});

// Each kernel's hash table is built by one task (same inserts in the same order as one thread),
// each neighbour entry is written once by whichever range finds it: the arrays do not depend on
// the thread count.
describe('Dense CRF lattice build on WASM threads (the kernels concurrently)', () => {
  it('buildCrfLatticesWasm on 2 / 3 threads gives the 1-thread arrays byte for byte, in parallel regions', async () => {
    const image = astronautCrop(150, 90, 96);
    const p = crfProblem({ probs: colourProbs(image, 5, 3), image });
    for (const params of ['deeplab-v2', 'densecrf'] as const) {
      const kernels = crfKernels(p, resolveCrfParams(params));
      expect(kernels.map((k) => k.dims)).toEqual([2, 5]);
      const one = await buildCrfLatticesWasm(kernels, 96 * 96, { threads: 1 });
      for (const threads of [2, 3]) {
        const before = new Map(parallelRegions());
        const many = await buildCrfLatticesWasm(kernels, 96 * 96, { threads });
        for (const k of BUILD_KERNELS) {
          expect((parallelRegions().get(k) ?? 0) - (before.get(k) ?? 0), `${k} on ${threads}`).toBe(1);
        }
        expect(many.length).toBe(2);
        for (const [i, l] of many.entries()) {
          const ref = one[i] as (typeof one)[number];
          expect([l.d1, l.m], `kernel ${i}`).toEqual([ref.d1, ref.m]);
          for (const key of ['offsets', 'slice', 'start', 'pix', 'splat', 'neighbors'] as const) {
            const a = new Uint8Array(ref[key].buffer);
            const b = new Uint8Array(l[key].buffer);
            expect(Buffer.compare(a, b), `${params} kernel ${i} ${key}, ${threads} threads`).toBe(0);
          }
        }
      }
    }
  });
});
