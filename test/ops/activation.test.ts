import { describe, expect, it } from 'vitest';
import { Session } from '../../src/engine/session.js';
import { Tensor } from '../../src/engine/tensor.js';
import { GraphBuilder } from '../../src/graph/builder.js';

describe('activations (hand-computed)', () => {
  const x = Tensor.fromNumbers('float32', [1, 6], [-3, -1, -0.5, 0, 1, 4]);

  async function run(op: 'Relu' | 'Sigmoid' | 'HardSwish' | 'LeakyRelu', attrs = {}) {
    const b = new GraphBuilder();
    b.output(b.op(op, [b.input('x', [1, 6])], attrs));
    const s = await Session.create(b.build());
    const y = Object.values(await s.run({ x }))[0] as Tensor;
    return Array.from(y.data as Float32Array);
  }

  it('Relu', async () => {
    expect(await run('Relu')).toEqual([0, 0, 0, 0, 1, 4]);
  });
  it('LeakyRelu alpha', async () => {
    expect(await run('LeakyRelu', { alpha: 0.5 })).toEqual([-1.5, -0.5, -0.25, 0, 1, 4]);
  });
  it('HardSwish', async () => {
    const y = await run('HardSwish');
    expect(Math.abs(y[0] as number)).toBe(0); // -3 * 0 is -0
    expect(y[4]).toBeCloseTo(1 * (1 / 6 + 0.5), 6);
    expect(y[5]).toBe(4);
  });
  it('Sigmoid', async () => {
    expect((await run('Sigmoid'))[3]).toBe(0.5);
  });
});
