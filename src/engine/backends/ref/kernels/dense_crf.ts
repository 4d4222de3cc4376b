import { crfBatchItem, writeCrfItem } from '../../../../post/crf/batch-item.js';
import { crfKernels } from '../../../../post/crf/inputs.js';
import { buildLatticeKernels, LatticePairwise } from '../../../../post/crf/lattice.js';
import { meanField } from '../../../../post/crf/meanfield.js';
import { denseCrfInputKind, denseCrfParams } from '../../../ops/dense_crf.js';
import type { RefKernel } from '../../../ops/types.js';
import { Tensor } from '../../../tensor.js';

/**
 * DenseCRF on the reference backend: per batch item, the permutohedral-lattice mean field in
 * plain TypeScript, exactly `denseCrf({ backend: 'ts' })`. Not the O(N²) exact path: that one is
 * limited to 4096 pixels, and the lattice is what the other backends compute, so they can be
 * checked against this kernel tightly (the lattice vs exact agreement is tested in
 * test/post/crf-lattice.test.ts).
 */
export const DenseCRF: RefKernel = (node, inputs) => {
  const x = inputs[0] as Tensor;
  const img = inputs[1] as Tensor;
  const params = denseCrfParams(node);
  const kind = denseCrfInputKind(node);
  const [batch, c, h, w] = x.dims as [number, number, number, number];
  const n = h * w;
  const out = new Float32Array(batch * c * n);
  for (let b = 0; b < batch; b++) {
    const p = crfBatchItem(x, img, b, kind);
    const pairwise = new LatticePairwise(buildLatticeKernels(crfKernels(p, params), n), c);
    writeCrfItem(out, meanField(p.unary, c, pairwise, params.iterations), c, b, c);
  }
  return [new Tensor('float32', [...x.dims], out)];
};
