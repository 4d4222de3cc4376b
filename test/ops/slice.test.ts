import { describe, expect, it } from 'vitest';
import { Tensor } from '../../src/engine/tensor.js';
import { ShapeError } from '../../src/errors.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import { i64, inferShape, rand, randInt, runRef } from '../helpers/ops.js';
import { expectMatchesOrt } from '../helpers/ort.js';

const INT64_MAX = new Tensor('int64', [1], BigInt64Array.of(2n ** 63n - 1n));
const INT64_MIN = new Tensor('int64', [1], BigInt64Array.of(-(2n ** 63n)));

/** Slice with starts/ends/axes/steps as int64 constants (axes/steps omitted when undefined). */
function graph(x: Tensor, starts: Tensor, ends: Tensor, axes?: number[], steps?: number[], opset = 13) {
  const g = new GraphBuilder('slice', { opset });
  const inputs = [g.input('x', [...x.dims], x.dtype), g.constant('starts', starts), g.constant('ends', ends)];
  if (axes || steps) inputs.push(axes ? g.ints('axes', axes) : '');
  if (steps) inputs.push(g.ints('steps', steps));
  g.output(g.op('Slice', inputs));
  return g.build();
}

async function run(x: Tensor, starts: Tensor, ends: Tensor, axes?: number[], steps?: number[]) {
  return Object.values(await runRef(graph(x, starts, ends, axes, steps), { x }))[0] as Tensor;
}

describe('Slice (hand-computed)', () => {
  const x = Tensor.fromNumbers('float32', [2, 5], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);

  it('a range on the last axis, with negative start', async () => {
    expect((await run(x, i64([1]), i64([4]), [1])).toNumbers()).toEqual([1, 2, 3, 6, 7, 8]);
    expect((await run(x, i64([-2]), i64([5]), [-1])).toNumbers()).toEqual([3, 4, 8, 9]);
  });

  it('negative steps with INT64 sentinels reverse an axis', async () => {
    const y = await run(x, i64([-1]), INT64_MIN, [1], [-1]);
    expect(y.toNumbers()).toEqual([4, 3, 2, 1, 0, 9, 8, 7, 6, 5]);
    const z = await run(x, i64([0, 4]), i64([2 ** 31, 0]), [0, 1], [1, -2]);
    expect(z.toNumbers()).toEqual([4, 2, 9, 7]);
  });

  it('INT64_MAX end keeps the rest; an empty range gives a zero-size dim', async () => {
    expect((await run(x, i64([3]), INT64_MAX, [1])).toNumbers()).toEqual([3, 4, 8, 9]);
    const e = await run(x, i64([3]), i64([1]), [1]);
    expect(e.dims).toEqual([2, 0]);
  });
});

describe('Slice shape inference', () => {
  it('computes lengths, keeps untouched and x[0:] symbolic dims', () => {
    expect(inferShape('Slice', [[4, 10], i64([1, -3]), i64([3, 100])])).toEqual([2, 3]);
    expect(inferShape('Slice', [['N', 10], i64([0]), INT64_MAX, i64([0])])).toEqual(['N', 10]);
    expect(inferShape('Slice', [[7], i64([6]), i64([-100]), i64([0]), i64([-2])])).toEqual([4]);
    const unknown = inferShape('Slice', [['N', 10], { dtype: 'int64', shape: [1] }, i64([5]), i64([1])]);
    expect(unknown[0]).toBe('N');
    expect(typeof unknown[1]).toBe('string');
  });

  it('bad parameters are ShapeErrors', () => {
    expect(() => inferShape('Slice', [[4], i64([0]), i64([2]), i64([0]), i64([0])])).toThrow(
      /steps must not be 0/,
    );
    expect(() => inferShape('Slice', [[4], i64([0, 1]), i64([2])])).toThrow(ShapeError);
    expect(() => inferShape('Slice', [[4], i64([0]), i64([2]), i64([1])])).toThrow(/out of range for rank 1/);
    expect(() => inferShape('Slice', [[4, 4], i64([0, 0]), i64([2, 2]), i64([1, -1])])).toThrow(
      /repeat an axis/,
    );
  });
});

describe('Slice vs onnxruntime', () => {
  const cases: [string, number[], Tensor, Tensor, number[]?, number[]?][] = [
    ['one axis', [3, 8, 5], i64([2]), i64([7]), [1]],
    ['all axes, no axes input', [4, 6], i64([1, 0]), i64([3, 5])],
    ['negative axes and bounds', [3, 8, 5], i64([-4, -3]), i64([-1, 100]), [-2, -1]],
    ['steps > 1', [9, 7], i64([0, 1]), i64([9, 7]), [0, 1], [2, 3]],
    ['negative steps', [9, 7], i64([8, -2]), i64([0, -100]), [0, 1], [-3, -1]],
    ['INT64_MIN end with step -1', [6], i64([-1]), INT64_MIN, [0], [-1]],
    ['INT64_MAX end', [3, 6], i64([2]), INT64_MAX, [1]],
    ['out-of-range starts clamp', [5, 4], i64([-100, 10]), i64([100, 20]), [0, 1]],
    ['an empty slice', [5, 4], i64([3]), i64([1]), [0]],
    ['size-1 dims', [1, 5, 1], i64([0, 2]), i64([1, 3]), [0, 1]],
  ];
  cases.forEach(([label, dims, starts, ends, axes, steps], i) => {
    it(label, async () => {
      const x = rand(dims, 60 + i);
      await expectMatchesOrt(
        graph(x, starts, ends, axes, steps, i % 2 ? 11 : 13),
        { x },
        { atol: 0, rtol: 0 },
      );
    });
  });

  it('int64 data keeps its dtype', async () => {
    const x = randInt('int64', [4, 3], 3);
    await expectMatchesOrt(graph(x, i64([1]), i64([-1]), [0]), { x }, { atol: 0, rtol: 0 });
  });
});
