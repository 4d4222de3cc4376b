import { describe, expect, it } from 'vitest';
import { Tensor } from '../../src/engine/tensor.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import type { Attrs } from '../../src/graph/ir.js';
import { infer, inferShape, rand, randInt, runRef } from '../helpers/ops.js';
import { expectMatchesOrt } from '../helpers/ort.js';

function graph(x: Tensor, attrs: Attrs, opset = 13) {
  const g = new GraphBuilder('argmax', { opset });
  g.output(g.op('ArgMax', [g.input('x', [...x.dims], x.dtype)], attrs));
  return g.build();
}

async function run(x: Tensor, attrs: Attrs) {
  return Object.values(await runRef(graph(x, attrs), { x }))[0] as Tensor;
}

describe('ArgMax', () => {
  const ties = Tensor.fromNumbers('float32', [2, 3], [1, 5, 5, 7, 2, 7]);
  it('hand-computed with ties: first index, or last with select_last_index', async () => {
    const first = await run(ties, { axis: 1 });
    expect(first.dtype).toBe('int64');
    expect(first.dims).toEqual([2, 1]);
    expect(first.toNumbers()).toEqual([1, 0]);
    expect((await run(ties, { axis: 1, select_last_index: 1, keepdims: 0 })).toNumbers()).toEqual([2, 2]);
    expect((await run(ties, { axis: -2, keepdims: 0 })).toNumbers()).toEqual([1, 0, 1]);
  });

  it('shape inference: int64 output, keepdims, negative axis', () => {
    expect(infer('ArgMax', [['N', 21, 8, 8]], { axis: 1, keepdims: 0 })[0]).toEqual({
      dtype: 'int64',
      shape: ['N', 8, 8],
    });
    expect(inferShape('ArgMax', [[2, 3, 4]], { axis: -1 })).toEqual([2, 3, 1]);
    expect(() => inferShape('ArgMax', [[2, 3]], { axis: 2 })).toThrow(/out of range/);
  });

  const cases: [string, number[], Attrs][] = [
    ['default axis 0', [4, 3], {}],
    ['class axis of logits, keepdims 0', [2, 5, 3, 4], { axis: 1, keepdims: 0 }],
    ['negative axis', [3, 4, 5], { axis: -1 }],
    ['size-1 axis', [3, 1, 2], { axis: 1 }],
  ];
  cases.forEach(([label, dims, attrs], i) => {
    it(`vs onnxruntime: ${label}`, async () => {
      const x = rand(dims, 150 + i);
      await expectMatchesOrt(graph(x, attrs, i % 2 ? 11 : 13), { x }, { atol: 0, rtol: 0 });
    });
  });

  it('vs onnxruntime: select_last_index with many ties (opset 12+)', async () => {
    const x = randInt('int32', [3, 4, 5], 7, 0, 2);
    const f = new Tensor('float32', x.dims, Float32Array.from(x.toNumbers()));
    for (const select_last_index of [0, 1]) {
      for (const keepdims of [0, 1]) {
        await expectMatchesOrt(
          graph(f, { axis: 1, select_last_index, keepdims }, 13),
          { x: f },
          { atol: 0, rtol: 0 },
        );
      }
    }
  });
});
