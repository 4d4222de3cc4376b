import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../src/graph/builder.js';
import { removeIdentity } from '../../src/graph/passes/remove-identity.js';
import { applyPass, expectSameOutputs, opsOf } from './pass-helpers.js';

describe('removeIdentity', () => {
  it('rewires readers of an Identity to its input', async () => {
    const b = new GraphBuilder('id');
    const r = b.op('Relu', [b.input('x', [1, 4])]);
    const i = b.op('Identity', [r]);
    b.output(b.op('Sigmoid', [i]));
    const g = b.build();
    const after = applyPass(removeIdentity, g);
    expect(opsOf(after)).toEqual(['Relu', 'Sigmoid']);
    expect(after.nodes[1]?.inputs).toEqual([r]);
    await expectSameOutputs(g, after);
  });

  it('keeps a graph output name by renaming the producer', async () => {
    const b = new GraphBuilder('id-out');
    const r = b.op('Relu', [b.input('x', [2, 3])]);
    const side = b.op('Tanh', [r]);
    b.op('Identity', [r], {}, { outputs: ['y'] });
    b.output('y', side);
    const g = b.build();
    const after = applyPass(removeIdentity, g);
    expect(opsOf(after)).toEqual(['Relu', 'Tanh']);
    expect(after.nodes[0]?.outputs).toEqual(['y']);
    // The other reader of the renamed value follows it.
    expect(after.nodes[1]?.inputs).toEqual(['y']);
    expect(after.outputs.map((o) => o.name)).toEqual(['y', side]);
    await expectSameOutputs(g, after);
  });

  it('keeps an Identity from a graph input or an initializer to a graph output', () => {
    const b = new GraphBuilder('id-keep');
    const x = b.input('x', [3]);
    const c = b.param('c', [3]);
    b.op('Identity', [x], {}, { outputs: ['y'] });
    b.op('Identity', [c], {}, { outputs: ['z'] });
    b.output('y', 'z');
    const g = b.build();
    expect(opsOf(applyPass(removeIdentity, g))).toEqual(['Identity', 'Identity']);
  });

  it('keeps an Identity between two graph outputs', () => {
    const b = new GraphBuilder('id-two-outs');
    const r = b.op('Relu', [b.input('x', [3])]);
    b.op('Identity', [r], {}, { outputs: ['y'] });
    b.output(r, 'y');
    const g = b.build();
    expect(opsOf(applyPass(removeIdentity, g))).toEqual(['Relu', 'Identity']);
  });

  it('removes a chain of Identities ending at a graph output', async () => {
    const b = new GraphBuilder('id-chain');
    const r = b.op('Relu', [b.input('x', [2, 2])]);
    const i1 = b.op('Identity', [r]);
    b.op('Identity', [i1], {}, { outputs: ['y'] });
    b.output('y');
    const g = b.build();
    const after = applyPass(removeIdentity, g);
    expect(opsOf(after)).toEqual(['Relu']);
    expect(after.nodes[0]?.outputs).toEqual(['y']);
    await expectSameOutputs(g, after);
  });

  it('removes Dropout unless its mask is used', async () => {
    const b = new GraphBuilder('dropout');
    const x = b.input('x', [2, 4]);
    const d = b.op('Dropout', [b.op('Relu', [x])]);
    b.output(b.op('Sigmoid', [d]));
    const g = b.build();
    const after = applyPass(removeIdentity, g);
    expect(opsOf(after)).toEqual(['Relu', 'Sigmoid']);
    await expectSameOutputs(g, after);

    const b2 = new GraphBuilder('dropout-mask');
    const [out, mask] = b2.ops('Dropout', [b2.op('Relu', [b2.input('x', [2, 4])])], {}, 2);
    b2.output(out as string, mask as string);
    expect(opsOf(applyPass(removeIdentity, b2.build()))).toEqual(['Relu', 'Dropout']);
  });
});
