import { Tensor } from '../../src/engine/tensor.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import type { Graph } from '../../src/graph/ir.js';
import { Rng } from '../../src/util/random.js';

/**
 * Nearest resizes (8× and 3 × 2.5, plain and fused with an ArgMax) of planes holding ±inf and NaN:
 * nearest copies its source value, so they come out as they went in (a lerp with weight 0 would
 * turn inf into NaN: 1 * inf + 0 * inf).
 */
export function nearestSpecialsCase(): { graph: Graph; feeds: Record<string, Tensor> } {
  const b = new GraphBuilder('nearest_specials', { seed: 23 });
  const dims = [1, 3, 4, 6];
  const x = b.input('x', dims);
  const outs: string[] = [];
  for (const [tag, s] of [
    ['x8', [1, 1, 8, 8]],
    ['odd', [1, 1, 3, 2.5]],
  ] as const) {
    const at = { mode: 'nearest', coordinate_transformation_mode: 'half_pixel' };
    const r = (n: string) => b.op('Resize', [x, '', b.param(`${n}.s`, [4], [...s])], at, { name: n });
    outs.push(r(`${tag}_plain`));
    outs.push(b.op('ArgMax', [r(`${tag}_am`)], { axis: 1 }, { name: `${tag}_am_head` }));
  }
  b.output(...outs);
  const data = new Rng(24).floats(72, -1, 1);
  [0, 7, 30, 41, 50, 65].forEach((i, k) => {
    data[i] = [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NaN][k % 3] as number;
  });
  return { graph: b.build(), feeds: { x: new Tensor('float32', dims, data) } };
}
