import { describe, expect, it } from 'vitest';
import { parallelRegions } from '../../src/engine/backends/wasm/threads.js';
import { Tensor } from '../../src/engine/tensor.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import type { RgbImage } from '../../src/io/image.js';
import { denseCrf } from '../../src/post/crf/index.js';
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
    for (const k of CRF_KERNELS) {
      expect((parallelRegions().get(k) ?? 0) - (before.get(k) ?? 0), `${k} split`).toBeGreaterThan(0);
    }
    expect(differingElements(one, two)).toBe(0);
  });
});
