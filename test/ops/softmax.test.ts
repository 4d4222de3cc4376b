import { describe, expect, it } from 'vitest';
import { Tensor } from '../../src/engine/tensor.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import type { Attrs } from '../../src/graph/ir.js';
import { inferShape, rand, runRef } from '../helpers/ops.js';
import { expectMatchesOrt } from '../helpers/ort.js';

function graph(x: Tensor, attrs: Attrs, opset: number) {
  const g = new GraphBuilder('softmax', { opset });
  g.output(g.op('Softmax', [g.input('x', [...x.dims])], attrs));
  return g.build();
}

const TOL = { atol: 1e-7, rtol: 1e-5 };

describe('Softmax', () => {
  it('hand-computed along the last axis, stable for large inputs', async () => {
    const x = Tensor.fromNumbers('float32', [2, 2], [0, Math.log(3), 1000, 1000]);
    const y = Object.values(await runRef(graph(x, {}, 13), { x }))[0] as Tensor;
    const v = y.toNumbers();
    expect(v[0]).toBeCloseTo(0.25, 7);
    expect(v[1]).toBeCloseTo(0.75, 7);
    expect(v[2]).toBe(0.5);
  });

  it('coerce_2d takes one softmax over all dims from axis on', async () => {
    const x = Tensor.fromNumbers('float32', [1, 2, 2], [0, 0, 0, Math.log(5)]);
    const y = Object.values(await runRef(graph(x, { axis: 1, coerce_2d: 1 }, 11), { x }))[0] as Tensor;
    const v = y.toNumbers();
    expect(v.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    expect(v[3]).toBeCloseTo(5 / 8, 6);
  });

  it('shape inference keeps the shape and checks the axis', () => {
    expect(inferShape('Softmax', [['N', 21, 8, 8]], { axis: 1 })).toEqual(['N', 21, 8, 8]);
    expect(() => inferShape('Softmax', [[2, 3]], { axis: 2 })).toThrow(/axis 2 is out of range for rank 2/);
    expect(() => inferShape('Softmax', [{ dtype: 'int64', shape: [2] }])).toThrow(/float32/);
  });

  const cases: [string, number[], Attrs, number][] = [
    ['default axis -1, opset 13', [2, 3, 5], {}, 13],
    ['class axis of NCHW logits', [2, 5, 3, 4], { axis: 1 }, 13],
    ['negative axis', [3, 4, 5], { axis: -2 }, 13],
    ['size-1 axis', [3, 1], { axis: 1 }, 13],
    ['opset 11 at axis 1 (flattens 1..end)', [2, 3, 4], { axis: 1, coerce_2d: 1 }, 11],
    ['opset 11 at axis 2', [2, 3, 4, 2], { axis: 2, coerce_2d: 1 }, 11],
    ['opset 11 default-like axis 1 on 2-D', [4, 6], { axis: 1, coerce_2d: 1 }, 11],
  ];
  cases.forEach(([label, dims, attrs, opset], i) => {
    it(`vs onnxruntime: ${label}`, async () => {
      const x = rand(dims, 140 + i, -5, 5);
      await expectMatchesOrt(graph(x, attrs, opset), { x }, TOL);
    });
  });
});
