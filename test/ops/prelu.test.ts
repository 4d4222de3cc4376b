import { describe, expect, it } from 'vitest';
import { Tensor } from '../../src/engine/tensor.js';
import { ShapeError } from '../../src/errors.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import { inferShape, rand, runRef } from '../helpers/ops.js';
import { expectMatchesOrt } from '../helpers/ort.js';

function graph(x: Tensor, slope: Tensor, opset = 17) {
  const g = new GraphBuilder('prelu', { opset });
  g.output(g.op('PRelu', [g.input('x', [...x.dims]), g.constant('slope', slope)]));
  return g.build();
}

describe('PRelu', () => {
  it('hand-computed, per-channel slope [C,1,1]', async () => {
    const x = Tensor.fromNumbers('float32', [1, 2, 1, 2], [-1, 2, -4, 3]);
    const slope = Tensor.fromNumbers('float32', [2, 1, 1], [0.5, 0.25]);
    const y = Object.values(await runRef(graph(x, slope), { x }))[0] as Tensor;
    expect(y.toNumbers()).toEqual([-0.5, 2, -1, 3]);
  });

  it('shape inference: slope broadcasts to X one way only', () => {
    expect(
      inferShape('PRelu', [
        ['N', 3, 5, 5],
        [3, 1, 1],
      ]),
    ).toEqual(['N', 3, 5, 5]);
    expect(inferShape('PRelu', [[2, 3], [1]])).toEqual([2, 3]);
    expect(() =>
      inferShape('PRelu', [
        [2, 3],
        [2, 3, 1],
      ]),
    ).toThrow(/does not broadcast to X \[2,3\]/);
    expect(() => inferShape('PRelu', [[2, 3], [4]])).toThrow(ShapeError);
  });

  const cases: [string, number[], number[]][] = [
    ['per-channel [C,1,1]', [2, 3, 4, 5], [3, 1, 1]],
    ['scalar slope', [2, 3, 4], [1]],
    ['full-shape slope', [3, 4], [3, 4]],
    ['trailing-axis slope', [2, 3, 4], [4]],
  ];
  cases.forEach(([label, xs, ss], i) => {
    it(`vs onnxruntime: ${label}`, async () => {
      const x = rand(xs, 20 + i, -3, 3);
      await expectMatchesOrt(graph(x, rand(ss, 40 + i), i % 2 ? 11 : 16), { x }, { atol: 0, rtol: 1e-7 });
    });
  });
});
