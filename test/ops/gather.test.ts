import { describe, expect, it } from 'vitest';
import { Tensor } from '../../src/engine/tensor.js';
import { ShapeError } from '../../src/errors.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import { i64, inferShape, rand, randInt, runRef } from '../helpers/ops.js';
import { expectMatchesOrt } from '../helpers/ort.js';

function graph(x: Tensor, indices: Tensor, axis: number, opset = 13) {
  const g = new GraphBuilder('gather', { opset });
  g.output(g.op('Gather', [g.input('x', [...x.dims], x.dtype), g.constant('i', indices)], { axis }));
  return g.build();
}

describe('Gather', () => {
  const x = Tensor.fromNumbers('float32', [3, 2], [1, 2, 3, 4, 5, 6]);
  it('hand-computed: rows, negative indices, a scalar index drops the axis', async () => {
    const rows = Object.values(await runRef(graph(x, i64([2, -3]), 0), { x }))[0] as Tensor;
    expect(rows.dims).toEqual([2, 2]);
    expect(rows.toNumbers()).toEqual([5, 6, 1, 2]);
    const col = Object.values(await runRef(graph(x, i64([-1], []), 1), { x }))[0] as Tensor;
    expect(col.dims).toEqual([3]);
    expect(col.toNumbers()).toEqual([2, 4, 6]);
  });

  it('shape inference and out-of-range indices', () => {
    expect(inferShape('Gather', [['N', 5, 7], i64([0, 1, 2, 3], [2, 2])], { axis: 1 })).toEqual([
      'N',
      2,
      2,
      7,
    ]);
    expect(inferShape('Gather', [[4], i64([1], [])])).toEqual([]);
    expect(() => inferShape('Gather', [[4, 2], i64([4])])).toThrow(ShapeError);
    expect(() => inferShape('Gather', [[4, 2], i64([-5])])).toThrow(
      /index -5 is out of range for axis 0 of size 4/,
    );
    expect(() => inferShape('Gather', [[4, 2], [1]])).toThrow(/indices must be int64/);
  });

  const cases: [string, number[], Tensor, number][] = [
    ['axis 0, 1-D indices', [5, 3], i64([4, 0, 2]), 0],
    ['axis 1, 2-D indices', [2, 6, 3], i64([5, 1, 0, 3], [2, 2]), 1],
    ['negative axis and indices', [2, 3, 4], i64([-1, -4, 1]), -1],
    ['scalar index', [4, 3], i64([2], []), 0],
    ['int32 indices', [4, 5], Tensor.fromNumbers('int32', [3], [3, -1, 0]), 1],
    ['size-1 dims', [1, 4, 1], i64([0, 0]), 0],
    ['empty indices', [4, 3], i64([], [0]), 0],
  ];
  cases.forEach(([label, dims, indices, axis], i) => {
    it(`vs onnxruntime: ${label}`, async () => {
      const data = rand(dims, 170 + i);
      await expectMatchesOrt(graph(data, indices, axis, i % 2 ? 11 : 13), { x: data }, { atol: 0, rtol: 0 });
    });
  });

  it('vs onnxruntime: int64 data (a shape vector) with a scalar index', async () => {
    const s = randInt('int64', [4], 8, 1, 100);
    await expectMatchesOrt(graph(s, i64([0], []), 0), { x: s }, { atol: 0, rtol: 0 });
  });
});
