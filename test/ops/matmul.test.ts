import { describe, expect, it } from 'vitest';
import { OPS } from '../../src/engine/ops/index.js';
import { Session } from '../../src/engine/session.js';
import { Tensor } from '../../src/engine/tensor.js';
import { ShapeError } from '../../src/errors.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import type { Dim } from '../../src/graph/ir.js';
import { rand } from '../helpers/ops.js';
import { expectMatchesOrt } from '../helpers/ort.js';

describe('MatMul (hand-computed)', () => {
  async function run(a: Tensor, b: Tensor): Promise<Tensor> {
    const g = new GraphBuilder('mm');
    g.output(g.op('MatMul', [g.input('a', [...a.dims]), g.input('b', [...b.dims])]));
    const s = await Session.create(g.build(), { optimize: false });
    return Object.values(await s.run({ a, b }))[0] as Tensor;
  }
  const m = Tensor.fromNumbers('float32', [2, 2], [1, 2, 3, 4]);
  const v = Tensor.fromNumbers('float32', [2], [1, -1]);

  it('matrix x vector, vector x matrix, vector x vector', async () => {
    const mv = await run(m, v);
    expect([...mv.dims]).toEqual([2]);
    expect(mv.toNumbers()).toEqual([-1, -1]);
    const vm = await run(v, m);
    expect(vm.toNumbers()).toEqual([-2, -2]);
    const vv = await run(v, v);
    expect([...vv.dims]).toEqual([]);
    expect(vv.toNumbers()).toEqual([2]);
  });

  it('batch broadcast: [2,1,2,2] x [3,2,1]', async () => {
    const a = Tensor.fromNumbers('float32', [2, 1, 2, 2], [1, 0, 0, 1, 2, 0, 0, 2]);
    const b = Tensor.fromNumbers('float32', [3, 2, 1], [1, 2, 3, 4, 5, 6]);
    const y = await run(a, b);
    expect([...y.dims]).toEqual([2, 3, 2, 1]);
    expect(y.toNumbers()).toEqual([1, 2, 3, 4, 5, 6, 2, 4, 6, 8, 10, 12]);
  });
});

describe('MatMul shape inference', () => {
  const infer = (a: Dim[], b: Dim[]) =>
    OPS.MatMul.inferShape({ name: 'mm', op: 'MatMul', inputs: ['a', 'b'], outputs: ['y'], attrs: {} }, [
      { dtype: 'float32', shape: a },
      { dtype: 'float32', shape: b },
    ])[0]?.shape;

  it('shapes', () => {
    expect(infer(['N', 'S', 64], [64, 10])).toEqual(['N', 'S', 10]);
    expect(infer([5], [3, 5, 2])).toEqual([3, 2]);
    expect(infer([3, 4, 5], [5])).toEqual([3, 4]);
    expect(infer([1, 4, 2, 5], [3, 1, 5, 6])).toEqual([3, 4, 2, 6]);
  });

  it('errors name the dims', () => {
    expect(() => infer([2, 3], [4, 5])).toThrow(ShapeError);
    expect(() => infer([2, 3], [4, 5])).toThrow(
      /inner dims differ: A \[2, 3\] has K = 3, B \[4, 5\] has K = 4/,
    );
    expect(() => infer([2, 2, 3], [3, 3, 4])).toThrow(/cannot broadcast/);
    expect(() => infer([], [3])).toThrow(/rank >= 1/);
  });
});

describe('MatMul vs onnxruntime', () => {
  const cases: [number[], number[]][] = [
    [
      [3, 7],
      [7, 5],
    ],
    [
      [1, 1],
      [1, 1],
    ],
    [[7], [7, 4]],
    [[2, 3, 7], [7]],
    [[5], [5]],
    [
      [2, 3, 4, 5],
      [5, 6],
    ],
    [
      [4, 1, 3, 5],
      [2, 5, 2],
    ],
    [
      [1, 9],
      [3, 2, 9, 4],
    ],
    [
      [2, 1, 3, 6],
      [1, 4, 6, 3],
    ],
  ];
  cases.forEach(([a, b], i) => {
    it(`[${a.join(',')}] x [${b.join(',')}]`, async () => {
      const g = new GraphBuilder(`mm_${i}`, { opset: 13 });
      g.output(g.op('MatMul', [g.input('a', a), g.input('b', b)]));
      const k = a[a.length - 1] as number;
      await expectMatchesOrt(
        g.build(),
        { a: rand(a, 700 + i), b: rand(b, 800 + i) },
        { atol: 2e-6 * k, rtol: 1e-4 },
      );
    });
  });
});
