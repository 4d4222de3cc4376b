import { describe, expect, it } from 'vitest';
import { Tensor } from '../../src/engine/tensor.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import { optimizeGraph } from '../../src/graph/passes/index.js';
import { Rng } from '../../src/util/random.js';
import { applyPass, expectSameOutputs, opsOf } from './pass-helpers.js';

describe('optimizeGraph', () => {
  it('runs the whole pipeline on an exported-style network', async () => {
    const b = new GraphBuilder('exported', { seed: 5 });
    const rng = new Rng(21);
    const x = b.input('x', [1, 3, 6, 6]);
    const c1 = b.op('Conv', [x, b.param('w1', [4, 3, 3, 3])], { pads: [1, 1, 1, 1] });
    const stats = ['g', 'b', 'm', 'v'].map((n) =>
      b.param(`bn_${n}`, [4], rng.floats(4, n === 'v' || n === 'g' ? 0.5 : -0.5, 1.5)),
    );
    const r1 = b.op('Identity', [b.op('Relu', [b.op('BatchNormalization', [c1, ...stats])])]);
    // Clip bounds from Constant nodes (as PyTorch writes ReLU6).
    const lo = b.op('Constant', [], { value: Tensor.scalar('float32', 0) });
    const hi = b.op('Constant', [], { value: Tensor.scalar('float32', 0.6) });
    const c2 = b.op('Clip', [b.op('Conv', [r1, b.param('w2', [4, 4, 1, 1]), b.param('b2', [4])]), lo, hi]);
    // Shape arithmetic for a flatten, and a branch nobody reads.
    const n = b.op('Gather', [b.op('Shape', [c2]), b.constant('zero', Tensor.scalar('int64', 0))], {
      axis: 0,
    });
    const target = b.op('Concat', [b.op('Unsqueeze', [n, b.ints('axes', [0])]), b.ints('rest', [-1])], {
      axis: 0,
    });
    b.op('Sigmoid', [b.op('Dropout', [c2])]);
    b.op('Identity', [b.op('Reshape', [c2, target])], {}, { outputs: ['logits'] });
    b.output('logits');
    const g = b.build();

    const after = applyPass(optimizeGraph, g);
    expect(opsOf(after)).toEqual(['Conv', 'Conv', 'Reshape']);
    expect(after.nodes[0]?.attrs.activation).toBe('Relu');
    expect(after.nodes[1]?.attrs).toMatchObject({
      activation: 'Clip',
      activation_params: [0, Math.fround(0.6)],
    });
    expect(after.nodes[2]?.outputs).toEqual(['logits']);
    expect(after.initializers.get(after.nodes[2]?.inputs[1] as string)?.toNumbers()).toEqual([1, -1]);
    // Only what the three nodes read is left.
    const read = new Set(after.nodes.flatMap((node) => node.inputs));
    expect([...after.initializers.keys()].every((k) => read.has(k))).toBe(true);
    await expectSameOutputs(g, after);
  });
});
