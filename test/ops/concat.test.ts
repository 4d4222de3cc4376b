import { describe, expect, it } from 'vitest';
import { Tensor } from '../../src/engine/tensor.js';
import { ShapeError } from '../../src/errors.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import { i64, infer, inferShape, rand, randInt, runRef } from '../helpers/ops.js';
import { expectMatchesOrt } from '../helpers/ort.js';

function graph(parts: Tensor[], axis: number, opset = 17) {
  const g = new GraphBuilder('concat', { opset });
  const names = parts.map((p, i) => g.input(`x${i}`, [...p.dims], p.dtype));
  g.output(g.op('Concat', names, { axis }));
  return g.build();
}

const feeds = (parts: Tensor[]) => Object.fromEntries(parts.map((p, i) => [`x${i}`, p]));

describe('Concat', () => {
  it('hand-computed along axis 1 and along -1', async () => {
    const a = Tensor.fromNumbers('float32', [2, 1], [1, 2]);
    const b = Tensor.fromNumbers('float32', [2, 2], [3, 4, 5, 6]);
    const y = Object.values(await runRef(graph([a, b], 1), feeds([a, b])))[0] as Tensor;
    expect(y.dims).toEqual([2, 3]);
    expect(y.toNumbers()).toEqual([1, 3, 4, 2, 5, 6]);
    const z = Object.values(await runRef(graph([a, b], -1), feeds([a, b])))[0] as Tensor;
    expect(z.toNumbers()).toEqual([1, 3, 4, 2, 5, 6]);
  });

  it('int64 shape vectors stay int64 (and fold when constant)', async () => {
    const g = new GraphBuilder('shape-concat');
    const s = g.op('Concat', [g.ints('a', [1, -1]), g.ints('b', [7])], { axis: 0 });
    g.output(s);
    const y = Object.values(await runRef(g.build(), {}))[0] as Tensor;
    expect(y.dtype).toBe('int64');
    expect(y.toNumbers()).toEqual([1, -1, 7]);
  });

  it('shape inference: sums the axis, keeps symbolic dims, takes zero-size inputs', () => {
    expect(
      inferShape(
        'Concat',
        [
          [1, 3, 4, 5],
          [1, 6, 4, 5],
        ],
        { axis: 1 },
      ),
    ).toEqual([1, 9, 4, 5]);
    expect(
      inferShape(
        'Concat',
        [
          ['N', 3, 8],
          ['N', 0, 8],
        ],
        { axis: -2 },
      ),
    ).toEqual(['N', 3, 8]);
    expect(
      inferShape(
        'Concat',
        [
          ['N', 2],
          [1, 2],
        ],
        { axis: 1 },
      ),
    ).toEqual([1, 4]);
    expect(typeof inferShape('Concat', [['N'], [3]], { axis: 0 })[0]).toBe('string');
    expect(infer('Concat', [i64([1]), i64([2, 3])], { axis: 0 })[0]?.dtype).toBe('int64');
  });

  it('mismatches are ShapeErrors naming the shapes', () => {
    expect(() =>
      inferShape(
        'Concat',
        [
          [1, 3, 4, 5],
          [1, 3, 6, 5],
        ],
        { axis: 1 },
      ),
    ).toThrow(/\(Concat\): inputs differ on axis 2: \[1,3,4,5\] vs \[1,3,6,5\]/);
    expect(() =>
      inferShape(
        'Concat',
        [
          [1, 3],
          [1, 3, 1],
        ],
        { axis: 0 },
      ),
    ).toThrow(ShapeError);
    expect(() => inferShape('Concat', [[2, 3]], { axis: 2 })).toThrow(/axis 2 is out of range for rank 2/);
    expect(() => inferShape('Concat', [[2], { dtype: 'int64', shape: [2] }], { axis: 0 })).toThrow(
      /float32 vs int64/,
    );
  });

  const cases: [string, number[][], number][] = [
    [
      'channels of NCHW',
      [
        [2, 3, 4, 5],
        [2, 1, 4, 5],
        [2, 4, 4, 5],
      ],
      1,
    ],
    [
      'negative axis',
      [
        [2, 3, 4],
        [2, 3, 2],
      ],
      -1,
    ],
    [
      'axis 0 with a size-1 part',
      [
        [1, 3],
        [4, 3],
      ],
      0,
    ],
    [
      'a zero-size part',
      [
        [2, 0, 3],
        [2, 2, 3],
      ],
      1,
    ],
    ['a single input', [[3, 2]], 1],
  ];
  cases.forEach(([label, shapes, axis], i) => {
    it(`vs onnxruntime: ${label}`, async () => {
      const parts = shapes.map((s, k) => rand(s, 10 * i + k));
      await expectMatchesOrt(graph(parts, axis, i % 2 ? 11 : 13), feeds(parts), { atol: 0, rtol: 0 });
    });
  });

  it('vs onnxruntime: int64 and uint8 inputs', async () => {
    const parts = [randInt('int64', [2, 3], 1), randInt('int64', [2, 1], 2)];
    await expectMatchesOrt(graph(parts, 1), feeds(parts), { atol: 0, rtol: 0 });
    const bytes = [randInt('uint8', [3, 2], 3, 0, 255), randInt('uint8', [1, 2], 4, 0, 255)];
    await expectMatchesOrt(graph(bytes, 0), feeds(bytes), { atol: 0, rtol: 0 });
  });
});
