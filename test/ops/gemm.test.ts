import { describe, expect, it } from 'vitest';
import { OPS } from '../../src/engine/ops/index.js';
import { Session } from '../../src/engine/session.js';
import { Tensor } from '../../src/engine/tensor.js';
import { ShapeError } from '../../src/errors.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import type { Attrs, Dim } from '../../src/graph/ir.js';
import { expectClose } from '../helpers/compare.js';
import { rand, runOp } from '../helpers/ops.js';
import { expectMatchesOrt } from '../helpers/ort.js';

/** One Gemm node on the ref backend, weights as constants. */
function run(a: Tensor, b: Tensor, attrs: Attrs, c?: Tensor): Promise<Tensor> {
  return runOp('Gemm', a, [b, c], attrs);
}

describe('Gemm (hand-computed)', () => {
  const a = Tensor.fromNumbers('float32', [2, 2], [1, 2, 3, 4]);
  const b = Tensor.fromNumbers('float32', [2, 2], [5, 6, 7, 8]);

  it('alpha, beta, transA, transB and a row-vector C', async () => {
    const c = Tensor.fromNumbers('float32', [2], [1, -1]);
    expect((await run(a, b, {}, c)).toNumbers()).toEqual([20, 21, 44, 49]);
    expect((await run(a, b, { alpha: 2, beta: 0.5 }, c)).toNumbers()).toEqual([38.5, 43.5, 86.5, 99.5]);
    // Aᵀ B = [[1,3],[2,4]] [[5,6],[7,8]]
    expect((await run(a, b, { transA: 1 })).toNumbers()).toEqual([26, 30, 38, 44]);
    // A Bᵀ = [[1,2],[3,4]] [[5,7],[6,8]]
    expect((await run(a, b, { transB: 1 })).toNumbers()).toEqual([17, 23, 39, 53]);
  });

  it('fused activation after C', async () => {
    const c = Tensor.fromNumbers('float32', [2, 1], [-30, 0]);
    const y = await run(a, b, { activation: 'Relu' }, c);
    expect(y.toNumbers()).toEqual([0, 0, 43, 50]);
    const clip = await run(a, b, { activation: 'Clip', activation_params: [0, 45] }, c);
    expect(clip.toNumbers()).toEqual([0, 0, 43, 45]);
  });

  const infer = (a: Dim[], b: Dim[], attrs: Attrs = {}, c?: Dim[]) =>
    OPS.Gemm.inferShape(
      { name: 'g', op: 'Gemm', inputs: c ? ['a', 'b', 'c'] : ['a', 'b'], outputs: ['y'], attrs },
      [a, b, c].map((shape) => (shape ? { dtype: 'float32' as const, shape } : undefined)),
    )[0]?.shape;

  it('shape inference and errors', () => {
    expect(infer(['N', 512], [1000, 512], { transB: 1 }, [1000])).toEqual(['N', 1000]);
    expect(infer([7, 3], [7, 5], { transA: 1 }, [3, 1])).toEqual([3, 5]);
    expect(() => infer([2, 3], [4, 5])).toThrow(ShapeError);
    expect(() => infer([2, 3], [4, 5])).toThrow(/inner dims differ: A is 2 x 3/);
    expect(() => infer([2, 3], [3, 5], {}, [3])).toThrow(
      /C has shape \[3\], which does not broadcast to the output \[2, 5\]/,
    );
    expect(() => infer([2, 3, 1], [3, 5])).toThrow(/must both be 2-D/);
  });
});

describe('Gemm vs onnxruntime', () => {
  const cases: { label: string; a: number[]; b: number[]; c?: number[]; attrs: Attrs }[] = [
    { label: 'plain, no C', a: [3, 5], b: [5, 4], attrs: {} },
    { label: 'transB with bias vector (Linear)', a: [2, 17], b: [9, 17], c: [9], attrs: { transB: 1 } },
    { label: 'transA transB, C (M, 1)', a: [6, 3], b: [4, 6], c: [3, 1], attrs: { transA: 1, transB: 1 } },
    { label: 'alpha beta, full C', a: [4, 7], b: [7, 5], c: [4, 5], attrs: { alpha: 0.5, beta: -2 } },
    { label: 'scalar-like C [1, 1]', a: [1, 8], b: [8, 3], c: [1, 1], attrs: { beta: 3 } },
    { label: 'size-1 everything', a: [1, 1], b: [1, 1], c: [1], attrs: {} },
  ];
  cases.forEach((t, i) => {
    it(t.label, async () => {
      const g = new GraphBuilder(`gemm_${i}`, { opset: 13, seed: 60 + i });
      const ins = [g.input('a', t.a), g.param('b', t.b)];
      if (t.c) ins.push(g.param('c', t.c));
      g.output(g.op('Gemm', ins, t.attrs));
      const k = t.attrs.transA ? (t.a[0] as number) : (t.a[1] as number);
      await expectMatchesOrt(g.build(), { a: rand(t.a, 600 + i) }, { atol: 2e-6 * k, rtol: 1e-4 });
    });
  });

  it('fused activation equals Gemm then LeakyRelu', async () => {
    const a = rand([3, 4], 1);
    const b = rand([4, 5], 2);
    const fused = await run(a, b, { activation: 'LeakyRelu', activation_params: [0.2] });
    const g = new GraphBuilder('unfused');
    g.output(g.op('LeakyRelu', [g.op('Gemm', [g.input('a', [3, 4]), g.constant('b', b)])], { alpha: 0.2 }));
    const s = await Session.create(g.build(), { optimize: false });
    expectClose(fused, Object.values(await s.run({ a }))[0] as Tensor, { atol: 1e-7, rtol: 1e-6 });
  });
});
