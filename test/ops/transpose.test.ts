import { describe, expect, it } from 'vitest';
import { Tensor } from '../../src/engine/tensor.js';
import { ShapeError } from '../../src/errors.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import type { Attrs } from '../../src/graph/ir.js';
import { inferShape, rand, randInt, runRef } from '../helpers/ops.js';
import { expectMatchesOrt } from '../helpers/ort.js';

function graph(x: Tensor, attrs: Attrs, opset = 13) {
  const g = new GraphBuilder('transpose', { opset });
  g.output(g.op('Transpose', [g.input('x', [...x.dims], x.dtype)], attrs));
  return g.build();
}

describe('Transpose', () => {
  it('hand-computed 2x3 matrix, default perm reverses', async () => {
    const x = Tensor.fromNumbers('float32', [2, 3], [1, 2, 3, 4, 5, 6]);
    const y = Object.values(await runRef(graph(x, {}), { x }))[0] as Tensor;
    expect(y.dims).toEqual([3, 2]);
    expect(y.toNumbers()).toEqual([1, 4, 2, 5, 3, 6]);
  });

  it('shape inference and bad perms', () => {
    expect(inferShape('Transpose', [['N', 3, 4, 5]], { perm: [0, 2, 3, 1] })).toEqual(['N', 4, 5, 3]);
    expect(inferShape('Transpose', [[2, 3, 4]])).toEqual([4, 3, 2]);
    expect(() => inferShape('Transpose', [[2, 3]], { perm: [0, 0] })).toThrow(ShapeError);
    expect(() => inferShape('Transpose', [[2, 3]], { perm: [0, 1, 2] })).toThrow(
      /not a permutation of 2 axes/,
    );
  });

  const cases: [number[], Attrs][] = [
    [[2, 3, 4, 5], { perm: [0, 2, 3, 1] }],
    [[2, 3, 4, 5], { perm: [0, 3, 1, 2] }],
    [[2, 3, 4], {}],
    [[1, 5, 1, 3], { perm: [3, 1, 0, 2] }],
    [[7], {}],
  ];
  cases.forEach(([dims, attrs], i) => {
    it(`vs onnxruntime: [${dims}] ${JSON.stringify(attrs)}`, async () => {
      const x = rand(dims, 110 + i);
      await expectMatchesOrt(graph(x, attrs, i % 2 ? 11 : 13), { x }, { atol: 0, rtol: 0 });
    });
  });

  it('vs onnxruntime: int64 keeps its dtype', async () => {
    const x = randInt('int64', [2, 3, 2], 6);
    await expectMatchesOrt(graph(x, { perm: [1, 2, 0] }), { x }, { atol: 0, rtol: 0 });
  });
});
