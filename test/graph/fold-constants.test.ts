import { describe, expect, it } from 'vitest';
import { Session } from '../../src/engine/session.js';
import { Tensor } from '../../src/engine/tensor.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import { foldConstants } from '../../src/graph/passes/fold-constants.js';
import { applyPass, expectSameOutputs, opsOf } from './pass-helpers.js';

describe('foldConstants', () => {
  it('folds the Shape → Gather → Unsqueeze → Concat arithmetic feeding a Reshape', async () => {
    const b = new GraphBuilder('flatten');
    const x = b.input('x', [2, 3, 4, 4]);
    const shape = b.op('Shape', [x]);
    const n = b.op('Gather', [shape, b.constant('zero', Tensor.scalar('int64', 0))], { axis: 0 });
    const nf = b.op('Cast', [n], { to: 1 });
    const n2 = b.op('Cast', [b.op('Mul', [nf, b.constant('one', Tensor.scalar('float32', 1))])], { to: 7 });
    const un = b.op('Unsqueeze', [n2, b.ints('axes', [0])]);
    const target = b.op('Concat', [un, b.ints('minus1', [-1])], { axis: 0 });
    b.output(b.op('Reshape', [x, target], {}, { name: 'reshape' }));
    const g = b.build();

    const after = applyPass(foldConstants, g);
    expect(opsOf(after)).toEqual(['Reshape']);
    expect(after.nodes[0]?.inputs).toEqual([x, target]);
    expect(after.initializers.get(target)?.toNumbers()).toEqual([2, -1]);
    expect(after.initializers.get(target)?.dtype).toBe('int64');
    // Intermediate results nobody reads any more are not materialized.
    for (const v of [shape, n, nf, un]) expect(after.initializers.has(v)).toBe(false);
    await expectSameOutputs(g, after);
  });

  it('folds the sizes of a Resize computed from the input shape', async () => {
    const b = new GraphBuilder('resize');
    const x = b.input('x', [1, 2, 3, 5]);
    const shape = b.op('Shape', [x]);
    const nc = b.op('Slice', [shape, b.ints('s0', [0]), b.ints('e0', [2])]);
    const hw = b.op('Slice', [shape, b.ints('s1', [2]), b.ints('e1', [4])]);
    const hw2 = b.op('Mul', [hw, b.ints('two', [2, 2])]);
    const sizes = b.op('Concat', [nc, hw2], { axis: 0 });
    b.output(b.op('Resize', [x, '', '', sizes], { mode: 'nearest' }));
    const g = b.build();

    const after = applyPass(foldConstants, g);
    expect(opsOf(after)).toEqual(['Resize']);
    expect(after.initializers.get(sizes)?.toNumbers()).toEqual([1, 2, 6, 10]);
    await expectSameOutputs(g, after);
  });

  it('turns Constant nodes into initializers', async () => {
    const b = new GraphBuilder('constant');
    const value = Tensor.fromNumbers('float32', [3], [1, -2, 3]);
    const c = b.op('Constant', [], { value });
    b.output(b.op('Add', [b.input('x', [2, 3]), c]));
    const g = b.build();
    const after = applyPass(foldConstants, g);
    expect(opsOf(after)).toEqual(['Add']);
    expect(after.initializers.get(c)?.toNumbers()).toEqual([1, -2, 3]);
    await expectSameOutputs(g, after);
  });

  it('leaves shape arithmetic on symbolic dims alone', () => {
    const b = new GraphBuilder('symbolic');
    const x = b.input('x', ['N', 3, 4, 4]);
    const shape = b.op('Shape', [x]);
    const n = b.op('Gather', [shape, b.ints('zero', [0])], { axis: 0 });
    const target = b.op('Concat', [n, b.ints('minus1', [-1])], { axis: 0 });
    b.output(b.op('Reshape', [x, target]));
    const after = applyPass(foldConstants, b.build());
    expect(opsOf(after)).toEqual(['Shape', 'Gather', 'Concat', 'Reshape']);
  });

  it('respects foldLimit', () => {
    const build = () => {
      const b = new GraphBuilder('big');
      const big = b.op('ConstantOfShape', [b.ints('dims', [1000])], {
        value: Tensor.fromNumbers('float32', [1], [0.5]),
      });
      b.output(b.op('Add', [b.input('x', [1000]), big]));
      return b.build();
    };
    expect(opsOf(applyPass((g) => foldConstants(g, { foldLimit: 100 }), build()))).toEqual([
      'ConstantOfShape',
      'Add',
    ]);
    expect(opsOf(applyPass(foldConstants, build()))).toEqual(['Add']);
  });

  it('keeps a constant graph output available as an initializer', async () => {
    const b = new GraphBuilder('const-out');
    const c = b.op('Add', [b.param('a', [2], [1, 2]), b.param('c', [2], [10, 20])], {}, { outputs: ['sum'] });
    b.output(c, b.op('Relu', [b.input('x', [2])]));
    const g = b.build();
    const after = applyPass(foldConstants, g);
    expect(opsOf(after)).toEqual(['Relu']);
    const session = await Session.create(after, { optimize: false });
    const out = await session.run({ x: Tensor.fromNumbers('float32', [2], [-1, 1]) });
    expect(out.sum?.toNumbers()).toEqual([11, 22]);
    await expectSameOutputs(g, after);
  });

  it('does not treat an initializer that is also a graph input as constant', () => {
    const b = new GraphBuilder('overridable');
    const x = b.input('x', [2]);
    const d = b.input('d', [2]);
    b.param('d', [2], [1, 1]);
    b.output(b.op('Add', [x, b.op('Relu', [d])]));
    const after = applyPass(foldConstants, b.build());
    expect(opsOf(after)).toEqual(['Relu', 'Add']);
  });
});
