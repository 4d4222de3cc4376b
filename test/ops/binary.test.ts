import { describe, expect, it } from 'vitest';
import { Tensor } from '../../src/engine/tensor.js';
import { ShapeError } from '../../src/errors.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import type { Dim } from '../../src/graph/ir.js';
import { i64, inferShape, rand, randInt, runRef } from '../helpers/ops.js';
import { expectMatchesOrt } from '../helpers/ort.js';

type Bin = 'Add' | 'Sub' | 'Mul' | 'Div';
const OPS: Bin[] = ['Add', 'Sub', 'Mul', 'Div'];

function graph(op: Bin, a: Tensor, b: Tensor, opset = 17) {
  const g = new GraphBuilder(op, { opset });
  g.output(g.op(op, [g.input('a', [...a.dims], a.dtype), g.input('b', [...b.dims], b.dtype)]));
  return g.build();
}

async function run(op: Bin, a: Tensor, b: Tensor): Promise<Tensor> {
  return Object.values(await runRef(graph(op, a, b), { a, b }))[0] as Tensor;
}

describe('Add/Sub/Mul/Div (hand-computed)', () => {
  it('broadcasts a row over a matrix', async () => {
    const a = Tensor.fromNumbers('float32', [2, 3], [1, 2, 3, 4, 5, 6]);
    const b = Tensor.fromNumbers('float32', [3], [10, 20, 30]);
    expect((await run('Add', a, b)).toNumbers()).toEqual([11, 22, 33, 14, 25, 36]);
    expect((await run('Sub', b, a)).toNumbers()).toEqual([9, 18, 27, 6, 15, 24]);
    expect((await run('Mul', a, b)).toNumbers()).toEqual([10, 40, 90, 40, 100, 180]);
  });

  it('integer Div truncates toward zero (int64 and int32)', async () => {
    for (const dtype of ['int64', 'int32'] as const) {
      const a = Tensor.fromNumbers(dtype, [4], [7, -7, 7, -7]);
      const b = Tensor.fromNumbers(dtype, [4], [2, 2, -2, -2]);
      const y = await run('Div', a, b);
      expect(y.dtype).toBe(dtype);
      expect(y.toNumbers()).toEqual([3, -3, -3, 3]);
    }
  });

  it('int64 shape math stays exact and keeps its dtype', async () => {
    const y = await run('Mul', i64([2 ** 40, 3]), i64([1024]));
    expect(y.data).toEqual(new BigInt64Array([2n ** 50n, 3072n]));
  });

  it('integer division by zero is a ShapeError naming the node', async () => {
    await expect(run('Div', i64([1]), i64([0]))).rejects.toThrow(/Div_0.*division by zero/);
  });
});

describe('binary shape inference', () => {
  it('broadcasts every flavour, symbolic dims included', () => {
    expect(inferShape('Add', [[2, 3, 4], []])).toEqual([2, 3, 4]);
    expect(
      inferShape('Add', [
        [4, 1],
        [2, 3, 1, 5],
      ]),
    ).toEqual([2, 3, 4, 5]);
    expect(
      inferShape('Mul', [
        [2, 1, 4],
        [3, 1],
      ]),
    ).toEqual([2, 3, 4]);
    expect(inferShape('Add', [['N', 3, 1], [4]])).toEqual(['N', 3, 4]);
    expect(
      inferShape('Add', [
        [1, 'N'],
        [5, 1],
      ]),
    ).toEqual([5, 'N']);
    expect(inferShape('Add', [['N'], [7]])).toEqual([7]);
    const fresh = inferShape('Add', [['N'], ['M']])[0];
    expect(typeof fresh).toBe('string');
    expect(fresh).not.toBe('N');
  });

  it('a mismatch is a ShapeError naming both shapes', () => {
    expect(() => inferShape('Add', [[2, 3], [4]])).toThrow(ShapeError);
    expect(() =>
      inferShape('Sub', [
        [2, 3],
        [2, 4],
      ]),
    ).toThrow(/\[2,3\] and \[2,4\]/);
  });

  it('dtypes must match', () => {
    expect(() => inferShape('Add', [[2], { dtype: 'int64', shape: [2] }])).toThrow(/float32 vs int64/);
    expect(() =>
      inferShape('Add', [
        { dtype: 'bool', shape: [2] },
        { dtype: 'bool', shape: [2] },
      ]),
    ).toThrow(ShapeError);
  });
});

describe('Add/Sub/Mul/Div vs onnxruntime', () => {
  const shapes: [string, Dim[], Dim[]][] = [
    ['same shape', [2, 3, 4], [2, 3, 4]],
    ['scalar', [2, 3, 4], []],
    ['scalar on the left', [], [3, 5]],
    ['rank mismatch', [2, 3, 4, 5], [5]],
    ['rank mismatch with a 1', [4, 1], [2, 3, 4, 5]],
    ['both sides broadcast', [2, 1, 4], [3, 1]],
    ['size-1 everywhere', [1, 1, 1], [1]],
  ];
  OPS.forEach((op, k) => {
    shapes.forEach(([label, sa, sb], i) => {
      it(`${op} float32 ${label}`, async () => {
        const a = rand(sa as number[], 10 * k + i, -2, 2);
        // Divisors kept away from 0 so both sides compute the same well-conditioned quotient.
        const b = op === 'Div' ? rand(sb as number[], 50 + i, 0.5, 2) : rand(sb as number[], 50 + i, -2, 2);
        await expectMatchesOrt(graph(op, a, b), { a, b }, { atol: 0, rtol: 1e-7 });
      });
    });
    for (const dtype of ['int64', 'int32'] as const) {
      it(`${op} ${dtype} with broadcasting`, async () => {
        const a = randInt(dtype, [3, 4], 7 + k, -50, 50);
        const b = randInt(dtype, [4], 9 + k, 1, 7);
        await expectMatchesOrt(graph(op, a, b, 11), { a, b }, { atol: 0, rtol: 0 });
        const neg = Tensor.fromNumbers(dtype, [1], [-3]);
        await expectMatchesOrt(graph(op, a, neg, 13), { a, b: neg }, { atol: 0, rtol: 0 });
      });
    }
  });
});
