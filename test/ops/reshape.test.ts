import { describe, expect, it } from 'vitest';
import { Tensor } from '../../src/engine/tensor.js';
import { ShapeError } from '../../src/errors.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import type { Attrs } from '../../src/graph/ir.js';
import type { OpType } from '../../src/graph/op-types.js';
import { inferShapes } from '../../src/graph/shape-inference.js';
import { i64, infer, inferShape, rand, randInt, runRef } from '../helpers/ops.js';
import { expectMatchesOrt } from '../helpers/ort.js';

function graph(op: OpType, x: Tensor, attrs: Attrs, opset: number, second?: number[]) {
  const g = new GraphBuilder(op, { opset });
  const inputs = [g.input('x', [...x.dims], x.dtype)];
  if (second) inputs.push(g.ints('s', second));
  g.output(g.op(op, inputs, attrs));
  return g.build();
}

const EXACT = { atol: 0, rtol: 0 };

describe('Reshape', () => {
  it('0 copies a dim, -1 is inferred, symbolic dims cancel', () => {
    expect(inferShape('Reshape', [[2, 3, 4], i64([0, -1])])).toEqual([2, 12]);
    expect(inferShape('Reshape', [['N', 3, 4, 4], i64([0, -1])])).toEqual(['N', 48]);
    expect(inferShape('Reshape', [['N', 6], i64([-1, 2, 3])])).toEqual(['N', 2, 3]);
    expect(typeof inferShape('Reshape', [['N', 6], i64([2, -1])])[1]).toBe('string');
    expect(inferShape('Reshape', [[0, 3], i64([0, 3])], { allowzero: 1 })).toEqual([0, 3]);
    expect(inferShape('Reshape', [[2, 3], { dtype: 'int64', shape: [3] }]).length).toBe(3);
  });

  it('an incompatible size is a ShapeError naming both shapes', () => {
    expect(() => inferShape('Reshape', [[2, 3, 4], i64([5, 5])])).toThrow(ShapeError);
    expect(() => inferShape('Reshape', [[2, 3, 4], i64([5, 5])])).toThrow(
      /cannot reshape \[2,3,4\] \(24 elements\) to \[5,5\] \(25 elements\)/,
    );
    expect(() => inferShape('Reshape', [[2, 3, 4], i64([5, -1])])).toThrow(/cannot reshape \[2,3,4\]/);
    expect(() => inferShape('Reshape', [[6], i64([-1, -1])])).toThrow(/invalid target shape/);
    expect(() => inferShape('Reshape', [[6], i64([0, -1])], { allowzero: 1 })).toThrow(ShapeError);
  });

  it("PyTorch's Shape → Gather → Unsqueeze → Concat → Reshape chain folds to a static shape", () => {
    const g = new GraphBuilder('chain', { opset: 13 });
    const x = g.input('x', [2, 3, 4, 4]);
    const batch = g.op('Gather', [g.op('Shape', [x]), g.constant('zero', Tensor.scalar('int64', 0))]);
    const dims = g.op('Concat', [g.op('Unsqueeze', [batch, g.ints('ax', [0])]), g.ints('rest', [-1])], {
      axis: 0,
    });
    const y = g.op('Reshape', [x, dims]);
    g.output(y);
    const infos = inferShapes(g.build());
    expect(infos.get(dims)?.value?.toNumbers()).toEqual([2, -1]);
    expect(infos.get(y)?.shape).toEqual([2, 48]);
  });

  const cases: [string, number[], number[], Attrs][] = [
    ['0 and -1', [2, 3, 4], [0, -1], {}],
    ['to a vector', [2, 3, 4], [-1], {}],
    ['adding size-1 dims', [6], [1, 2, 1, 3], {}],
    ['allowzero with no zero', [2, 6], [3, 4], { allowzero: 1 }],
  ];
  cases.forEach(([label, dims, shape, attrs], i) => {
    it(`vs onnxruntime: ${label}`, async () => {
      const x = rand(dims, 70 + i);
      await expectMatchesOrt(graph('Reshape', x, attrs, attrs.allowzero ? 14 : 13, shape), { x }, EXACT);
    });
  });

  it('int64 data through Reshape keeps its values', async () => {
    const x = randInt('int64', [2, 3], 1);
    const y = Object.values(await runRef(graph('Reshape', x, {}, 13, [3, 2]), { x }))[0] as Tensor;
    expect(y.dtype).toBe('int64');
    expect(y.toNumbers()).toEqual(x.toNumbers());
    await expectMatchesOrt(graph('Reshape', x, {}, 13, [-1]), { x }, EXACT);
  });
});

describe('Flatten', () => {
  it('shape inference, negative axis and symbolic groups', () => {
    expect(inferShape('Flatten', [[2, 3, 4, 5]])).toEqual([2, 60]);
    expect(inferShape('Flatten', [[2, 3, 4, 5]], { axis: 0 })).toEqual([1, 120]);
    expect(inferShape('Flatten', [[2, 3, 4, 5]], { axis: -1 })).toEqual([24, 5]);
    expect(inferShape('Flatten', [[2, 3, 4, 5]], { axis: 4 })).toEqual([120, 1]);
    expect(inferShape('Flatten', [['N', 3, 4]])).toEqual(['N', 12]);
    expect(() => inferShape('Flatten', [[2, 3]], { axis: 3 })).toThrow(/axis 3 is out of range for rank 2/);
  });
  [0, 1, 2, -1, -3].forEach((axis, i) => {
    it(`vs onnxruntime: axis ${axis}`, async () => {
      const x = rand([2, 3, 4], 80 + i);
      await expectMatchesOrt(graph('Flatten', x, { axis }, i % 2 ? 11 : 13), { x }, EXACT);
    });
  });
});

describe('Squeeze / Unsqueeze', () => {
  it('shape inference: attribute and input forms, no axes, negative axes', () => {
    expect(inferShape('Squeeze', [[1, 3, 1, 4]])).toEqual([3, 4]);
    expect(inferShape('Squeeze', [[1, 3, 1, 4]], { axes: [-2] })).toEqual([1, 3, 4]);
    expect(inferShape('Squeeze', [['N', 1, 4], i64([1])])).toEqual(['N', 4]);
    expect(inferShape('Unsqueeze', [[3, 4]], { axes: [0, -1] })).toEqual([1, 3, 4, 1]);
    expect(inferShape('Unsqueeze', [[3, 4], i64([1, 3])])).toEqual([3, 1, 4, 1]);
    expect(inferShape('Unsqueeze', [{ dtype: 'int64', shape: [] }, i64([0])])).toEqual([1]);
    expect(infer('Unsqueeze', [i64([5]), i64([0])])[0]?.dtype).toBe('int64');
  });

  it('bad axes are ShapeErrors', () => {
    expect(() => inferShape('Squeeze', [[2, 3]], { axes: [0] })).toThrow(/cannot squeeze axis 0 of \[2,3\]/);
    expect(() => inferShape('Unsqueeze', [[2, 3]], { axes: [3] })).toThrow(/out of range for rank 3/);
    expect(() => inferShape('Unsqueeze', [[2, 3]], { axes: [0, 0] })).toThrow(/repeat an axis/);
    expect(() => inferShape('Unsqueeze', [[2, 3]])).toThrow(/axes are required/);
    expect(() => inferShape('Squeeze', [[1, 3], { dtype: 'int64', shape: [1] }])).toThrow(
      /must be a constant/,
    );
  });

  const squeezes: [string, number[], number[] | undefined][] = [
    ['all size-1 dims', [1, 3, 1, 2], undefined],
    ['one axis', [1, 3, 1, 2], [2]],
    ['negative axes', [3, 1, 2, 1], [-1, -3]],
  ];
  squeezes.forEach(([label, dims, axes], i) => {
    it(`Squeeze vs onnxruntime: ${label} (opset 11 attribute and 13 input)`, async () => {
      const x = rand(dims, 90 + i);
      await expectMatchesOrt(graph('Squeeze', x, axes ? { axes } : {}, 11), { x }, EXACT);
      await expectMatchesOrt(graph('Squeeze', x, {}, 13, axes), { x }, EXACT);
    });
  });

  const unsqueezes: [string, number[], number[]][] = [
    ['leading', [3, 4], [0]],
    ['several, negative', [3, 4], [-1, 1]],
    ['from a scalar', [], [0]],
  ];
  unsqueezes.forEach(([label, dims, axes], i) => {
    it(`Unsqueeze vs onnxruntime: ${label} (opset 11 attribute and 13 input)`, async () => {
      const x = rand(dims, 95 + i);
      await expectMatchesOrt(graph('Unsqueeze', x, { axes }, 11), { x }, EXACT);
      await expectMatchesOrt(graph('Unsqueeze', x, {}, 13, axes), { x }, EXACT);
    });
  });

  it('Unsqueeze/Squeeze of int64 vs onnxruntime', async () => {
    const x = randInt('int64', [3], 4);
    await expectMatchesOrt(graph('Unsqueeze', x, {}, 13, [0]), { x }, EXACT);
    const y = randInt('int64', [1, 3], 5);
    await expectMatchesOrt(graph('Squeeze', y, {}, 13, [0]), { x: y }, EXACT);
  });
});
