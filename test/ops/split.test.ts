import { describe, expect, it } from 'vitest';
import { Tensor } from '../../src/engine/tensor.js';
import { ShapeError, UnsupportedAttributeError } from '../../src/errors.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import type { Attrs } from '../../src/graph/ir.js';
import { i64, infer, rand, randInt, runRef } from '../helpers/ops.js';
import { expectMatchesOrt } from '../helpers/ort.js';

function graph(x: Tensor, n: number, attrs: Attrs, opset: number, split?: number[]) {
  const g = new GraphBuilder('split', { opset });
  const inputs = [g.input('x', [...x.dims], x.dtype)];
  if (split) inputs.push(g.ints('split', split));
  g.output(...g.ops('Split', inputs, attrs, n));
  return g.build();
}

const shapes = (x: number[], n: number, attrs: Attrs, split?: Tensor) =>
  infer('Split', split ? [x, split] : [x], attrs, n).map((o) => o.shape);

describe('Split', () => {
  it('hand-computed: split attribute (opset 11) and input (opset 13) agree', async () => {
    const x = Tensor.fromNumbers('float32', [2, 3], [1, 2, 3, 4, 5, 6]);
    for (const g of [graph(x, 2, { axis: 1, split: [1, 2] }, 11), graph(x, 2, { axis: 1 }, 13, [1, 2])]) {
      const [a, b] = Object.values(await runRef(g, { x })) as Tensor[];
      expect(a?.dims).toEqual([2, 1]);
      expect(a?.toNumbers()).toEqual([1, 4]);
      expect(b?.toNumbers()).toEqual([2, 3, 5, 6]);
    }
  });

  it('shape inference: equal, explicit, num_outputs (uneven last chunk), empty parts, symbolic', () => {
    expect(shapes([6, 4], 3, {})).toEqual([
      [2, 4],
      [2, 4],
      [2, 4],
    ]);
    expect(shapes([2, 7], 3, { axis: -1, num_outputs: 3 })).toEqual([
      [2, 3],
      [2, 3],
      [2, 1],
    ]);
    expect(shapes([5], 2, {}, i64([0, 5]))).toEqual([[0], [5]]);
    expect(shapes([5], 2, { split: [5, 0] })).toEqual([[5], [0]]);
    const sym = infer('Split', [['N', 4]], { axis: 0 }, 2).map((o) => o.shape[0]);
    expect(sym.every((d) => typeof d === 'string')).toBe(true);
    expect(infer('Split', [['N', 4]], { axis: 1 }, 2).map((o) => o.shape)).toEqual([
      ['N', 2],
      ['N', 2],
    ]);
  });

  it('bad splits are ShapeErrors', () => {
    expect(() => shapes([5], 2, {})).toThrow(/cannot split an axis of 5 into 2 equal parts/);
    expect(() => shapes([5], 2, { split: [2, 2] })).toThrow(/sums to 4, the axis has 5/);
    expect(() => shapes([5], 3, {}, i64([2, 3]))).toThrow(ShapeError);
    expect(() => shapes([5], 2, { axis: 1 })).toThrow(/axis 1 is out of range/);
    expect(() => shapes([6], 2, { num_outputs: 3 })).toThrow(UnsupportedAttributeError);
  });

  const cases: [string, number[], number, Attrs, number, number[]?][] = [
    ['split attribute, opset 11', [2, 6, 3], 3, { axis: 1, split: [1, 3, 2] }, 11],
    ['equal split, opset 11, negative axis', [2, 6, 4], 2, { axis: -1 }, 11],
    ['split input, opset 13', [5, 3], 3, { axis: 0 }, 13, [2, 2, 1]],
    ['an empty part', [4, 3], 2, { axis: 0 }, 13, [0, 4]],
    ['equal split, opset 13', [3, 9], 3, { axis: 1 }, 13],
    ['num_outputs with an uneven last chunk, opset 18', [2, 7], 3, { axis: 1, num_outputs: 3 }, 18],
    ['num_outputs, even, opset 18', [6, 2], 2, { num_outputs: 2 }, 18],
  ];
  cases.forEach(([label, dims, n, attrs, opset, split], i) => {
    it(`vs onnxruntime: ${label}`, async () => {
      const x = rand(dims, 30 + i);
      await expectMatchesOrt(graph(x, n, attrs, opset, split), { x }, { atol: 0, rtol: 0 });
    });
  });

  it('vs onnxruntime: int64 input keeps its dtype', async () => {
    const x = randInt('int64', [4, 2], 5);
    await expectMatchesOrt(graph(x, 2, { axis: 0 }, 13), { x }, { atol: 0, rtol: 0 });
  });
});
