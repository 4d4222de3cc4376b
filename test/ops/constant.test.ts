import { describe, expect, it } from 'vitest';
import { Tensor } from '../../src/engine/tensor.js';
import { ShapeError, UnsupportedAttributeError } from '../../src/errors.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import type { Attrs } from '../../src/graph/ir.js';
import { i64, infer, rand, runRef } from '../helpers/ops.js';
import { expectMatchesOrt } from '../helpers/ort.js';

/** A Constant added to an input of the same shape and dtype, so ORT has something to feed. */
function constantGraph(attrs: Attrs, like: Tensor, opset = 13) {
  const g = new GraphBuilder('constant', { opset });
  g.output(g.op('Add', [g.input('x', [...like.dims], like.dtype), g.op('Constant', [], attrs)]));
  return g.build();
}

describe('Constant', () => {
  it('every value attribute: dtype and dims', () => {
    expect(infer('Constant', [], { value_float: 1.5 })[0]).toMatchObject({ dtype: 'float32', shape: [] });
    expect(infer('Constant', [], { value_floats: [1, 2] })[0]).toMatchObject({
      dtype: 'float32',
      shape: [2],
    });
    expect(infer('Constant', [], { value_int: 3 })[0]).toMatchObject({ dtype: 'int64', shape: [] });
    expect(infer('Constant', [], { value_ints: [1, 2, 3] })[0]).toMatchObject({ dtype: 'int64', shape: [3] });
    const t = Tensor.fromNumbers('int32', [2, 1], [4, 5]);
    const info = infer('Constant', [], { value: t })[0] as { value?: Tensor; shape: unknown };
    expect(info.shape).toEqual([2, 1]);
    expect(info.value?.toNumbers()).toEqual([4, 5]);
  });

  it('none or two value attributes are UnsupportedAttributeErrors', () => {
    expect(() => infer('Constant', [], {})).toThrow(UnsupportedAttributeError);
    expect(() => infer('Constant', [], { value_int: 1, value_float: 2 })).toThrow(/exactly one of/);
  });

  it('an unimplemented value attribute is rejected by validation', () => {
    const g = new GraphBuilder('c');
    g.output(g.op('Constant', [], { value_string: 'hi' }));
    expect(() => g.build()).toThrow(UnsupportedAttributeError);
  });

  const cases: [string, Attrs, Tensor][] = [
    ['value tensor', { value: rand([2, 3], 1) }, rand([2, 3], 2)],
    ['value_float', { value_float: 0.25 }, rand([], 3)],
    ['value_floats', { value_floats: [0.5, -1, 2] }, rand([3], 4)],
    ['value_int', { value_int: 7 }, i64([5], [])],
    ['value_ints', { value_ints: [1, -2, 3] }, i64([4, 5, 6])],
  ];
  cases.forEach(([label, attrs, like], i) => {
    it(`vs onnxruntime: ${label}`, async () => {
      await expectMatchesOrt(constantGraph(attrs, like, i % 2 ? 11 : 13), { x: like }, { atol: 0, rtol: 0 });
    });
  });
});

describe('ConstantOfShape', () => {
  function graph(x: Tensor, attrs: Attrs) {
    const g = new GraphBuilder('cos', { opset: 13 });
    g.output(g.op('ConstantOfShape', [g.op('Shape', [g.input('x', [...x.dims])])], attrs));
    return g.build();
  }

  it('default float32 zeros; a value tensor sets dtype and fill', async () => {
    const x = rand([2, 3], 1);
    const z = Object.values(await runRef(graph(x, {}), { x }))[0] as Tensor;
    expect(z.dtype).toBe('float32');
    expect(z.dims).toEqual([2, 3]);
    expect(z.toNumbers()).toEqual([0, 0, 0, 0, 0, 0]);
    const ones = Object.values(await runRef(graph(x, { value: i64([1], [1]) }), { x }))[0] as Tensor;
    expect(ones.data).toEqual(new BigInt64Array(6).fill(1n));
  });

  it('shape inference: known, unknown and bad shapes', () => {
    expect(infer('ConstantOfShape', [i64([2, 0])])[0]).toEqual({ dtype: 'float32', shape: [2, 0] });
    expect(infer('ConstantOfShape', [{ dtype: 'int64', shape: [3] }])[0]?.shape.length).toBe(3);
    expect(() => infer('ConstantOfShape', [i64([2, -1])])).toThrow(ShapeError);
    expect(() => infer('ConstantOfShape', [i64([2])], { value: rand([2], 1) })).toThrow(
      UnsupportedAttributeError,
    );
  });

  const cases: [string, number[], Attrs][] = [
    ['default', [2, 3, 4], {}],
    ['float value', [3, 1], { value: Tensor.fromNumbers('float32', [1], [2.5]) }],
    ['int64 value', [4], { value: i64([-7], [1]) }],
    ['int32 value', [2, 2], { value: Tensor.fromNumbers('int32', [1], [9]) }],
  ];
  cases.forEach(([label, dims, attrs], i) => {
    it(`vs onnxruntime: ${label}`, async () => {
      const x = rand(dims, 190 + i);
      await expectMatchesOrt(graph(x, attrs), { x }, { atol: 0, rtol: 0 });
    });
  });
});
