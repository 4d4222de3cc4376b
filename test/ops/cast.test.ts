import { describe, expect, it } from 'vitest';
import { Tensor } from '../../src/engine/tensor.js';
import { UnsupportedAttributeError } from '../../src/errors.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import { infer, rand, randInt, runRef } from '../helpers/ops.js';
import { expectMatchesOrt } from '../helpers/ort.js';

function graph(x: Tensor, to: number, opset = 13) {
  const g = new GraphBuilder('cast', { opset });
  g.output(g.op('Cast', [g.input('x', [...x.dims], x.dtype)], { to }));
  return g.build();
}

async function run(x: Tensor, to: number) {
  return Object.values(await runRef(graph(x, to), { x }))[0] as Tensor;
}

describe('Cast', () => {
  const x = Tensor.fromNumbers('float32', [6], [-2.7, -0.5, 0, 0.5, 2.7, 300.5]);
  it('float → int truncates toward zero', async () => {
    const i32 = await run(x, 6);
    expect(i32.dtype).toBe('int32');
    expect(i32.toNumbers()).toEqual([-2, 0, 0, 0, 2, 300]);
    const i64 = await run(x, 7);
    expect(i64.data).toEqual(new BigInt64Array([-2n, 0n, 0n, 0n, 2n, 300n]));
  });
  it('to bool is != 0; int64 → float', async () => {
    expect((await run(x, 9)).toNumbers()).toEqual([1, 1, 0, 1, 1, 1]);
    const big = Tensor.fromNumbers('int64', [2], [-3, 2 ** 40]);
    expect((await run(big, 1)).toNumbers()).toEqual([-3, 2 ** 40]);
  });

  it('an unsupported target type is an UnsupportedAttributeError listing the supported ones', () => {
    expect(() => infer('Cast', [[2]], { to: 10 })).toThrow(UnsupportedAttributeError);
    expect(() => infer('Cast', [[2]], { to: 10 })).toThrow(
      /to' = 10 is not a supported data type; supported: 1 \(FLOAT\)/,
    );
    expect(() => infer('Cast', [[2]], { to: 8 })).toThrow(/11 \(DOUBLE\)/);
    expect(infer('Cast', [['N', 3]], { to: 7 })[0]).toEqual({ dtype: 'int64', shape: ['N', 3] });
  });

  const targets: [string, number][] = [
    ['FLOAT', 1],
    ['INT8', 3],
    ['INT32', 6],
    ['INT64', 7],
    ['BOOL', 9],
    ['DOUBLE', 11],
  ];
  targets.forEach(([name, to], i) => {
    it(`vs onnxruntime: float32 → ${name}`, async () => {
      const data = rand([3, 7], 180 + i, -100, 100);
      data.data[0] = 0;
      await expectMatchesOrt(graph(data, to, i % 2 ? 11 : 13), { x: data }, { atol: 0, rtol: 0 });
    });
  });

  it('vs onnxruntime: float32 → UINT8 (in range), int64/int32/bool/uint8 → float32, int64 ↔ int32', async () => {
    await expectMatchesOrt(
      graph(rand([10], 1, 0, 255.9), 2),
      { x: rand([10], 1, 0, 255.9) },
      { atol: 0, rtol: 0 },
    );
    for (const dtype of ['int64', 'int32', 'uint8'] as const) {
      const v = randInt(dtype, [2, 5], 3, 0, 200);
      await expectMatchesOrt(graph(v, 1), { x: v }, { atol: 0, rtol: 0 });
    }
    const b = randInt('bool', [6], 4, 0, 1);
    await expectMatchesOrt(graph(b, 1), { x: b }, { atol: 0, rtol: 0 });
    const l = randInt('int64', [6], 5, -1000, 1000);
    await expectMatchesOrt(graph(l, 6), { x: l }, { atol: 0, rtol: 0 });
    const n = randInt('int32', [6], 6, -1000, 1000);
    await expectMatchesOrt(graph(n, 7), { x: n }, { atol: 0, rtol: 0 });
  });
});
