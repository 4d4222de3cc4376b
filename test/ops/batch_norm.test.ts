import { describe, expect, it } from 'vitest';
import { Session } from '../../src/engine/session.js';
import { Tensor } from '../../src/engine/tensor.js';
import { ShapeError, UnsupportedAttributeError } from '../../src/errors.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import type { Attrs } from '../../src/graph/ir.js';
import { Rng } from '../../src/util/random.js';
import { expectMatchesOrt } from '../helpers/ort.js';

function bnGraph(dims: number[], attrs: Attrs = {}, seed = 1, outputs = 1) {
  const g = new GraphBuilder('bn', { opset: 15, seed });
  const c = dims[1] as number;
  const rng = new Rng(seed + 100);
  const ins = [
    g.input('x', dims),
    g.param('scale', [c]),
    g.param('bias', [c]),
    g.param('mean', [c]),
    g.param(
      'var',
      [c],
      Array.from({ length: c }, () => rng.uniform(0.1, 2)),
    ),
  ];
  const [y] = g.ops('BatchNormalization', ins, attrs, outputs);
  g.output(y as string);
  return g;
}

describe('BatchNormalization (inference)', () => {
  it('hand-computed: scale * (x - mean) / sqrt(var + eps) + B', async () => {
    const g = new GraphBuilder('bn');
    const ins = [
      g.input('x', [1, 2, 2]),
      g.param('s', [2], [2, 1]),
      g.param('b', [2], [1, 0]),
      g.param('m', [2], [1, -1]),
      g.param('v', [2], [3.99, 0.24]),
    ];
    g.output(g.op('BatchNormalization', ins, { epsilon: 0.01 }));
    const s = await Session.create(g.build(), { optimize: false });
    const x = Tensor.fromNumbers('float32', [1, 2, 2], [1, 5, -1, 0]);
    const y = Object.values(await s.run({ x }))[0] as Tensor;
    const expected = [1, 2 * (4 / 2) + 1, 0, 1 / 0.5];
    expect(y.toNumbers().map((v) => Math.round(v * 1e5) / 1e5)).toEqual(expected);
  });

  it('rejects training_mode and channel mismatches', () => {
    expect(() => bnGraph([1, 3, 4, 4], { training_mode: 1 }).build()).toThrow(UnsupportedAttributeError);
    expect(() => bnGraph([1, 3, 4, 4], { training_mode: 1 }).build()).toThrow(/only inference/);
    expect(() => bnGraph([1, 3, 4, 4], {}, 1, 3).build()).toThrow(/exist only in training/);
    const g = new GraphBuilder('bad');
    const ins = [g.input('x', [1, 4, 2, 2]), ...['s', 'b', 'm', 'v'].map((n) => g.param(n, [3]))];
    g.output(g.op('BatchNormalization', ins));
    expect(() => g.build()).toThrow(ShapeError);
    expect(() => g.build()).toThrow(/scale has shape \[3\], expected \[4\] \(input has 4 channels\)/);
  });

  for (const [i, dims] of [
    [2, 3, 5, 7],
    [4, 6],
    [2, 5, 9],
    [1, 1, 1, 1],
    [1, 3, 2, 3, 4],
  ].entries()) {
    it(`vs onnxruntime, shape [${dims.join(', ')}]`, async () => {
      const g = bnGraph(dims, { epsilon: 1e-3, momentum: 0.5 }, 40 + i);
      const x = new Tensor(
        'float32',
        dims,
        new Rng(i).floats(
          dims.reduce((a, b) => a * b, 1),
          -2,
          2,
        ),
      );
      await expectMatchesOrt(g.build(), { x }, { atol: 1e-5, rtol: 1e-5 });
    });
  }
});
