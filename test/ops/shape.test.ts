import { describe, expect, it } from 'vitest';
import type { Tensor } from '../../src/engine/tensor.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import type { Attrs } from '../../src/graph/ir.js';
import { infer, rand, runRef } from '../helpers/ops.js';
import { expectMatchesOrt } from '../helpers/ort.js';

function graph(x: Tensor, attrs: Attrs, opset = 15) {
  const g = new GraphBuilder('shape', { opset });
  g.output(g.op('Shape', [g.input('x', [...x.dims], x.dtype)], attrs));
  return g.build();
}

describe('Shape', () => {
  it('hand-computed, with start/end (opset 15)', async () => {
    const x = rand([2, 3, 4, 5], 1);
    const all = Object.values(await runRef(graph(x, {}), { x }))[0] as Tensor;
    expect(all.dtype).toBe('int64');
    expect(all.toNumbers()).toEqual([2, 3, 4, 5]);
    const tail = Object.values(await runRef(graph(x, { start: -2 }), { x }))[0] as Tensor;
    expect(tail.toNumbers()).toEqual([4, 5]);
  });

  it('inference gives the value when the dims are known, even with a symbolic batch outside the range', () => {
    expect(infer('Shape', [[2, 3]])[0]).toMatchObject({ dtype: 'int64', shape: [2] });
    const known = infer('Shape', [[2, 3]])[0] as { value?: Tensor };
    expect(known.value?.toNumbers()).toEqual([2, 3]);
    const spatial = infer('Shape', [['N', 3, 8, 8]], { start: 2 })[0] as { value?: Tensor };
    expect(spatial.value?.toNumbers()).toEqual([8, 8]);
    const sym = infer('Shape', [['N', 3]])[0] as { value?: Tensor; shape: unknown };
    expect(sym.shape).toEqual([2]);
    expect(sym.value).toBeUndefined();
    expect(infer('Shape', [[2, 3, 4]], { start: 5, end: -10 })[0]?.shape).toEqual([0]);
  });

  const cases: [number[], Attrs, number][] = [
    [[2, 3, 4, 5], {}, 11],
    [[2, 3, 4, 5], { start: 1 }, 15],
    [[2, 3, 4, 5], { start: -3, end: -1 }, 15],
    [[2, 3, 4, 5], { end: 100 }, 15],
    [[2, 3, 4, 5], { start: 3, end: 1 }, 15],
    [[], {}, 13],
  ];
  cases.forEach(([dims, attrs, opset], i) => {
    it(`vs onnxruntime: [${dims}] ${JSON.stringify(attrs)}`, async () => {
      const x = rand(dims, 160 + i);
      await expectMatchesOrt(graph(x, attrs, opset), { x }, { atol: 0, rtol: 0 });
    });
  });
});
