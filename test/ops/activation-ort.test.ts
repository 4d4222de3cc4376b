import { describe, it } from 'vitest';
import { Tensor } from '../../src/engine/tensor.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import type { Attrs } from '../../src/graph/ir.js';
import type { OpType } from '../../src/graph/op-types.js';
import { Rng } from '../../src/util/random.js';
import { expectMatchesOrt } from '../helpers/ort.js';

const TOL = { atol: 1e-6, rtol: 1e-5 };

function randomInput(dims: number[], seed: number, scale = 4): Tensor {
  return new Tensor(
    'float32',
    dims,
    new Rng(seed).floats(
      dims.reduce((a, b) => a * b, 1),
      -scale,
      scale,
    ),
  );
}

describe('activations vs onnxruntime', () => {
  const cases: [OpType, Attrs][] = [
    ['Relu', {}],
    ['Sigmoid', {}],
    ['Tanh', {}],
    ['HardSwish', {}],
    ['LeakyRelu', {}],
    ['LeakyRelu', { alpha: 0.2 }],
    ['HardSigmoid', {}],
    ['HardSigmoid', { alpha: 0.25, beta: 0.4 }],
  ];
  cases.forEach(([op, attrs], i) => {
    it(`${op} ${JSON.stringify(attrs)}`, async () => {
      const b = new GraphBuilder(op, { opset: 17 });
      b.output(b.op(op, [b.input('x', [2, 3, 5, 7])], attrs));
      await expectMatchesOrt(b.build(), { x: randomInput([2, 3, 5, 7], 100 + i) }, TOL);
    });
  });

  it('Clip with min/max inputs, with only max, and with none', async () => {
    const b = new GraphBuilder('clip', { opset: 13 });
    const x = b.input('x', [3, 17]);
    const lo = b.constant('lo', Tensor.scalar('float32', -0.5));
    const hi = b.constant('hi', Tensor.scalar('float32', 1.25));
    b.output(b.op('Clip', [x, lo, hi]), b.op('Clip', [x, '', hi]), b.op('Clip', [x]));
    await expectMatchesOrt(b.build(), { x: randomInput([3, 17], 7) }, TOL);
  });

  it('symbolic batch dim at opset 11', async () => {
    const b = new GraphBuilder('sym', { opset: 11 });
    b.output(b.op('Sigmoid', [b.input('x', ['N', 4])]));
    await expectMatchesOrt(b.build(), { x: randomInput([3, 4], 9) }, TOL);
  });
});
