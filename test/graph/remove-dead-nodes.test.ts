import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../src/graph/builder.js';
import { removeDeadNodes } from '../../src/graph/passes/remove-dead-nodes.js';
import { applyPass, expectSameOutputs, opsOf } from './pass-helpers.js';

describe('removeDeadNodes', () => {
  it('removes a branch that reaches no output and the initializers only it read', async () => {
    const b = new GraphBuilder('dead');
    const x = b.input('x', [2, 3]);
    const live = b.op('Add', [x, b.param('a', [3])]);
    const dead1 = b.op('Mul', [x, b.param('m', [3])]);
    b.op('Sigmoid', [b.op('Tanh', [dead1])]);
    b.param('unused', [4]);
    b.output(b.op('Relu', [live]));
    const g = b.build();
    const after = applyPass(removeDeadNodes, g);
    expect(opsOf(after)).toEqual(['Add', 'Relu']);
    expect([...after.initializers.keys()]).toEqual(['a']);
    await expectSameOutputs(g, after);
  });

  it('keeps a node when any of its outputs is live', () => {
    const b = new GraphBuilder('split');
    const [first] = b.ops('Split', [b.input('x', [4, 2]), b.ints('sizes', [1, 3])], { axis: 0 }, 2);
    b.output(b.op('Relu', [first as string]));
    const after = applyPass(removeDeadNodes, b.build());
    expect(opsOf(after)).toEqual(['Split', 'Relu']);
    expect(after.initializers.has('sizes')).toBe(true);
  });

  it('keeps an initializer that doubles as a graph input, and constant graph outputs', () => {
    const b = new GraphBuilder('interface');
    b.input('x', [2]);
    b.input('d', [2]);
    b.param('d', [2], [1, 2]);
    b.param('c', [2], [3, 4]);
    b.output('c', b.op('Relu', ['x']));
    const after = applyPass(removeDeadNodes, b.build());
    expect([...after.initializers.keys()].sort()).toEqual(['c', 'd']);
    expect(after.inputs.map((i) => i.name)).toEqual(['x', 'd']);
  });

  it('leaves a graph with nothing dead as it was', () => {
    const b = new GraphBuilder('alive');
    const x = b.input('x', [2]);
    b.output(b.op('Relu', [x]), b.op('Tanh', [x]));
    const g = b.build();
    const after = applyPass(removeDeadNodes, g);
    expect(after.nodes).toEqual(g.nodes);
    expect(after.initializers.size).toBe(0);
  });
});
