import { intAttr } from '../../../../graph/attrs.js';
import { ArgMax as ArgMaxDef } from '../../../ops/argmax.js';
import { normAxis } from '../../../ops/shape-utils.js';
import type { RefKernel } from '../../../ops/types.js';
import { Tensor } from '../../../tensor.js';
import { around, concreteShapes } from '../indexing.js';

/** Scans each row along the axis; ties keep the first index, or the last with select_last_index. */
export const ArgMax: RefKernel = (node, inputs) => {
  const x = inputs[0] as Tensor;
  const dims = concreteShapes(ArgMaxDef, node, inputs)[0] as number[];
  const axis = normAxis(node, intAttr(node, 'axis', 0), x.rank);
  const last = intAttr(node, 'select_last_index', 0) === 1;
  const { outer, n, inner } = around(x.dims, axis);
  const out = new Tensor('int64', dims);
  for (let o = 0; o < outer; o++) {
    for (let k = 0; k < inner; k++) {
      const base = o * n * inner + k;
      let best = 0;
      let bestV = x.get(base);
      for (let j = 1; j < n; j++) {
        const v = x.get(base + j * inner);
        if (v > bestV || (last && v === bestV)) {
          best = j;
          bestV = v;
        }
      }
      out.data[o * inner + k] = BigInt(best);
    }
  }
  return [out];
};
