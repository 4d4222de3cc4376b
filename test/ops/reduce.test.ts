import { describe, expect, it } from 'vitest';
import { Tensor } from '../../src/engine/tensor.js';
import { ShapeError } from '../../src/errors.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import type { Attrs } from '../../src/graph/ir.js';
import { i64, inferShape, rand, runRef } from '../helpers/ops.js';
import { expectMatchesOrt } from '../helpers/ort.js';

type Red = 'ReduceMean' | 'ReduceMax';

/** axes as attribute (before opset 18) or as input (opset 18). */
function graph(op: Red, x: Tensor, attrs: Attrs, opset: number, axesInput?: number[]) {
  const g = new GraphBuilder(op, { opset });
  const inputs = [g.input('x', [...x.dims], x.dtype)];
  if (axesInput) inputs.push(g.ints('axes', axesInput));
  g.output(g.op(op, inputs, attrs));
  return g.build();
}

async function run(op: Red, x: Tensor, attrs: Attrs) {
  return Object.values(await runRef(graph(op, x, attrs, 13), { x }))[0] as Tensor;
}

describe('ReduceMean / ReduceMax (hand-computed)', () => {
  const x = Tensor.fromNumbers('float32', [2, 3], [1, 2, 3, 4, 8, 6]);
  it('one axis, keepdims 1 and 0', async () => {
    const m = await run('ReduceMean', x, { axes: [1] });
    expect(m.dims).toEqual([2, 1]);
    expect(m.toNumbers()).toEqual([2, 6]);
    const k = await run('ReduceMax', x, { axes: [0], keepdims: 0 });
    expect(k.dims).toEqual([3]);
    expect(k.toNumbers()).toEqual([4, 8, 6]);
  });
  it('no axes reduces everything', async () => {
    expect((await run('ReduceMax', x, {})).toNumbers()).toEqual([8]);
    expect((await run('ReduceMean', x, { keepdims: 0 })).dims).toEqual([]);
  });
});

describe('reduce shape inference', () => {
  it('attribute and input axes, keepdims, noop_with_empty_axes', () => {
    expect(inferShape('ReduceMean', [['N', 3, 4, 5]], { axes: [2, -1] })).toEqual(['N', 3, 1, 1]);
    expect(inferShape('ReduceMean', [['N', 3, 4, 5], i64([2, 3])], { keepdims: 0 })).toEqual(['N', 3]);
    expect(inferShape('ReduceMax', [[2, 3]], { keepdims: 0 })).toEqual([]);
    expect(inferShape('ReduceMax', [[2, 3], i64([])], { noop_with_empty_axes: 1 })).toEqual([2, 3]);
    expect(inferShape('ReduceMax', [[2, 3], i64([])])).toEqual([1, 1]);
  });
  it('bad axes are ShapeErrors', () => {
    expect(() => inferShape('ReduceMean', [[2, 3]], { axes: [2] })).toThrow(/out of range for rank 2/);
    expect(() => inferShape('ReduceMean', [[2, 3], { dtype: 'int64', shape: [1] }], { keepdims: 0 })).toThrow(
      ShapeError,
    );
  });
});

describe('ReduceMean / ReduceMax vs onnxruntime', () => {
  const cases: [string, number[], number[] | undefined, number][] = [
    ['spatial axes (global pooling)', [2, 3, 4, 5], [2, 3], 1],
    ['negative axis, keepdims 0', [2, 3, 4], [-1], 0],
    ['all axes', [3, 4, 2], undefined, 1],
    ['all axes, keepdims 0', [3, 4], undefined, 0],
    ['size-1 axis', [2, 1, 3], [1], 0],
    ['channel axis', [1, 5, 3, 3], [1], 1],
  ];
  for (const op of ['ReduceMean', 'ReduceMax'] as const) {
    cases.forEach(([label, dims, axes, keepdims], i) => {
      it(`${op}: ${label} (opset 13 attribute, 18 input)`, async () => {
        const x = rand(dims, 120 + i, -4, 4);
        const tol = { atol: 1e-6, rtol: 1e-6 };
        const attrs13: Attrs = axes ? { axes, keepdims } : { keepdims };
        await expectMatchesOrt(graph(op, x, attrs13, 13), { x }, tol);
        await expectMatchesOrt(graph(op, x, { keepdims }, 18, axes), { x }, tol);
      });
    });
    it(`${op}: noop_with_empty_axes (opset 18)`, async () => {
      const x = rand([2, 3], 130);
      await expectMatchesOrt(graph(op, x, { noop_with_empty_axes: 1 }, 18), { x }, { atol: 0, rtol: 0 });
      await expectMatchesOrt(
        graph(op, x, { noop_with_empty_axes: 0 }, 18, []),
        { x },
        { atol: 1e-6, rtol: 1e-6 },
      );
    });
  }
});
