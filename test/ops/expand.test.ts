import { describe, expect, it } from 'vitest';
import type { Tensor } from '../../src/engine/tensor.js';
import { ShapeError } from '../../src/errors.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import { i64, inferShape, rand, randInt, runRef } from '../helpers/ops.js';
import { expectMatchesOrt } from '../helpers/ort.js';

function graph(x: Tensor, shape: number[], opset = 13) {
  const g = new GraphBuilder('expand', { opset });
  g.output(g.op('Expand', [g.input('x', [...x.dims], x.dtype), g.ints('shape', shape)]));
  return g.build();
}

describe('Expand', () => {
  it('hand-computed column to matrix', async () => {
    const x = i64([1, 2]).reshape([2, 1]);
    const y = Object.values(await runRef(graph(x, [2, 3]), { x }))[0] as Tensor;
    expect(y.dtype).toBe('int64');
    expect(y.toNumbers()).toEqual([1, 1, 1, 2, 2, 2]);
  });

  it('shape inference: bidirectional, symbolic, unknown target', () => {
    expect(inferShape('Expand', [[3, 1], i64([2, 1, 6])])).toEqual([2, 3, 6]);
    expect(inferShape('Expand', [[2, 3], i64([1])])).toEqual([2, 3]);
    expect(inferShape('Expand', [['N', 1], i64([1, 4])])).toEqual(['N', 4]);
    const u = inferShape('Expand', [[3, 1], { dtype: 'int64', shape: [3] }]);
    expect(u.length).toBe(3);
    expect(u[1]).toBe(3);
  });

  it('a target that does not broadcast is a ShapeError naming both shapes', () => {
    expect(() => inferShape('Expand', [[3, 2], i64([4, 3])])).toThrow(ShapeError);
    expect(() => inferShape('Expand', [[3, 2], i64([4, 3])])).toThrow(/\[3,2\] and \[4,3\]/);
  });

  const cases: [string, number[], number[]][] = [
    ['column to matrix with a new leading axis', [3, 1], [2, 1, 6]],
    ['target smaller than input (ones)', [2, 3], [1]],
    ['scalar input', [], [2, 2]],
    ['both sides broadcast', [1, 4], [3, 1]],
    ['same shape', [2, 3], [2, 3]],
  ];
  cases.forEach(([label, dims, shape], i) => {
    it(`vs onnxruntime: ${label}`, async () => {
      const x = rand(dims, 200 + i);
      await expectMatchesOrt(graph(x, shape, i % 2 ? 11 : 13), { x }, { atol: 0, rtol: 0 });
    });
  });

  it('vs onnxruntime: int64 input', async () => {
    const x = randInt('int64', [1, 3], 1);
    await expectMatchesOrt(graph(x, [2, 1]), { x }, { atol: 0, rtol: 0 });
  });
});
