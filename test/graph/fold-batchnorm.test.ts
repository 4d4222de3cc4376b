import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../src/graph/builder.js';
import { foldBatchNorm } from '../../src/graph/passes/fold-batchnorm.js';
import { Rng } from '../../src/util/random.js';
import { applyPass, expectSameOutputs, opsOf } from './pass-helpers.js';

/** BatchNormalization with seeded statistics (variance kept positive). */
function bn(
  b: GraphBuilder,
  x: string,
  channels: number,
  prefix: string,
  seed: number,
  epsilon = 1e-3,
): string {
  const rng = new Rng(seed);
  const gamma = b.param(`${prefix}_gamma`, [channels], rng.floats(channels, 0.5, 2));
  const beta = b.param(`${prefix}_beta`, [channels], rng.floats(channels, -1, 1));
  const mean = b.param(`${prefix}_mean`, [channels], rng.floats(channels, -0.5, 0.5));
  const variance = b.param(`${prefix}_var`, [channels], rng.floats(channels, 0.1, 3));
  return b.op('BatchNormalization', [x, gamma, beta, mean, variance], { epsilon });
}

describe('foldBatchNorm', () => {
  it('folds into a Conv with a bias', async () => {
    const b = new GraphBuilder('conv-bn', { seed: 3 });
    const y = b.op('Conv', [b.input('x', [1, 3, 6, 6]), b.param('w', [4, 3, 3, 3]), b.param('bias', [4])], {
      pads: [1, 1, 1, 1],
    });
    b.output(bn(b, y, 4, 'bn', 11));
    const g = b.build();
    const after = applyPass(foldBatchNorm, g);
    expect(opsOf(after)).toEqual(['Conv']);
    expect(after.nodes[0]?.outputs).toEqual(g.outputs.map((o) => o.name));
    // The replaced parameters are gone; the new ones are fresh names.
    for (const name of ['w', 'bias', 'bn_gamma', 'bn_beta', 'bn_mean', 'bn_var']) {
      expect(after.initializers.has(name), name).toBe(false);
    }
    await expectSameOutputs(g, after);
  });

  it('creates a bias for a Conv without one (grouped, strided)', async () => {
    const b = new GraphBuilder('conv-nobias-bn', { seed: 4 });
    const y = b.op('Conv', [b.input('x', [2, 4, 7, 5]), b.param('w', [6, 2, 3, 3])], {
      group: 2,
      strides: [2, 1],
    });
    b.output(b.op('Relu', [bn(b, y, 6, 'bn', 12)]));
    const g = b.build();
    const after = applyPass(foldBatchNorm, g);
    expect(opsOf(after)).toEqual(['Conv', 'Relu']);
    const conv = after.nodes[0];
    expect(conv?.inputs).toHaveLength(3);
    expect(after.initializers.get(conv?.inputs[2] as string)?.dims).toEqual([6]);
    await expectSameOutputs(g, after);
  });

  it('folds into a grouped ConvTranspose along its Cout axis', async () => {
    const b = new GraphBuilder('convT-bn', { seed: 5 });
    // Weight (Cin=4, Cout/group=3, 2, 2), group 2 → 6 output channels.
    const y = b.op(
      'ConvTranspose',
      [b.input('x', [1, 4, 3, 3]), b.param('w', [4, 3, 2, 2]), b.param('bias', [6])],
      {
        group: 2,
        strides: [2, 2],
      },
    );
    b.output(bn(b, y, 6, 'bn', 13));
    const g = b.build();
    const after = applyPass(foldBatchNorm, g);
    expect(opsOf(after)).toEqual(['ConvTranspose']);
    await expectSameOutputs(g, after);
  });

  it('folds a BatchNormalization applied to a 1-D Conv', async () => {
    const b = new GraphBuilder('conv1d-bn', { seed: 6 });
    const y = b.op('Conv', [b.input('x', [1, 2, 9]), b.param('w', [3, 2, 3])]);
    b.output(bn(b, y, 3, 'bn', 14, 1e-5));
    const g = b.build();
    const after = applyPass(foldBatchNorm, g);
    expect(opsOf(after)).toEqual(['Conv']);
    await expectSameOutputs(g, after);
  });

  it('gives each of two convs sharing a weight its own folded weight', async () => {
    const b = new GraphBuilder('shared', { seed: 7 });
    const x = b.input('x', [1, 2, 4, 4]);
    const w = b.param('w', [2, 2, 1, 1]);
    b.param('w_bn', [1]); // an unrelated value already named like the folded weight
    const y1 = bn(b, b.op('Conv', [x, w]), 2, 'bn1', 15);
    const y2 = bn(b, b.op('Conv', [x, w]), 2, 'bn2', 16);
    b.output(y1, y2);
    const g = b.build();
    const after = applyPass(foldBatchNorm, g);
    expect(opsOf(after)).toEqual(['Conv', 'Conv']);
    const weights = after.nodes.map((n) => n.inputs[1] as string);
    expect(new Set(weights).size).toBe(2);
    expect(weights).not.toContain('w');
    expect(weights).not.toContain('w_bn');
    expect(after.initializers.get('w_bn')?.dims).toEqual([1]);
    await expectSameOutputs(g, after);
  });

  it('leaves the pattern alone when it cannot fold', () => {
    // Conv output also read elsewhere.
    const b1 = new GraphBuilder('shared-out');
    const c1 = b1.op('Conv', [b1.input('x', [1, 2, 3, 3]), b1.param('w', [2, 2, 1, 1])]);
    b1.output(bn(b1, c1, 2, 'bn', 1), b1.op('Relu', [c1]));
    expect(opsOf(applyPass(foldBatchNorm, b1.build()))).toContain('BatchNormalization');

    // Conv output is a graph output.
    const b2 = new GraphBuilder('graph-out');
    const c2 = b2.op('Conv', [b2.input('x', [1, 2, 3, 3]), b2.param('w', [2, 2, 1, 1])]);
    b2.output(c2, bn(b2, c2, 2, 'bn', 2));
    expect(opsOf(applyPass(foldBatchNorm, b2.build()))).toContain('BatchNormalization');

    // Statistics fed at run time.
    const b3 = new GraphBuilder('runtime-stats');
    const c3 = b3.op('Conv', [b3.input('x', [1, 2, 3, 3]), b3.param('w', [2, 2, 1, 1])]);
    const stats = ['g', 'b', 'm', 'v'].map((n) => b3.input(n, [2]));
    b3.output(b3.op('BatchNormalization', [c3, ...stats]));
    expect(opsOf(applyPass(foldBatchNorm, b3.build()))).toContain('BatchNormalization');

    // Not a conv.
    const b4 = new GraphBuilder('relu-bn');
    b4.output(bn(b4, b4.op('Relu', [b4.input('x', [1, 2, 3, 3])]), 2, 'bn', 3));
    expect(opsOf(applyPass(foldBatchNorm, b4.build()))).toEqual(['Relu', 'BatchNormalization']);
  });
});
