import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../src/graph/builder.js';
import { pruneConvTaps } from '../../src/graph/passes/prune-conv-taps.js';
import { applyPass, expectSameOutputs } from './pass-helpers.js';

/** One Conv over x [1, C, ...spatial] with the given attributes and a bias. */
function conv(spatial: number[], kernel: number[], attrs: Record<string, number[] | number | string>) {
  const b = new GraphBuilder('prune', { seed: 5 });
  const x = b.input('x', [1, 6, ...spatial]);
  b.output(b.op('Conv', [x, b.param('w', [5, 6, ...kernel]), b.param('bias', [5])], attrs));
  return b.build();
}

describe('pruneConvTaps', () => {
  it('an ASPP rate-12 3×3 on an 8×10 map becomes a 1×1 without pads, same outputs', async () => {
    const g = conv([8, 10], [3, 3], { pads: [12, 12, 12, 12], dilations: [12, 12] });
    const after = applyPass(pruneConvTaps, g);
    const node = after.nodes[0];
    expect(node?.attrs.kernel_shape).toEqual([1, 1]);
    expect(node?.attrs.pads).toEqual([0, 0, 0, 0]);
    expect(after.initializers.get(node?.inputs[1] as string)?.dims).toEqual([5, 6, 1, 1]);
    expect(after.initializers.has('w')).toBe(false);
    await expectSameOutputs(g, after);
  });

  it('prunes each axis on its own: rate 8 on 8×10 keeps the 3 taps along x only', async () => {
    const g = conv([8, 10], [3, 3], { pads: [8, 8, 8, 8], dilations: [8, 8] });
    const after = applyPass(pruneConvTaps, g);
    expect(after.nodes[0]?.attrs.kernel_shape).toEqual([1, 3]);
    expect(after.nodes[0]?.attrs.pads).toEqual([0, 8, 0, 8]);
    await expectSameOutputs(g, after);
  });

  it('1-D convs, auto_pad SAME and strides are pruned exactly', async () => {
    const g1 = conv([5], [3], { pads: [6, 6], dilations: [6] });
    const a1 = applyPass(pruneConvTaps, g1);
    expect(a1.nodes[0]?.attrs.kernel_shape).toEqual([1]);
    await expectSameOutputs(g1, a1);
    const g2 = conv([7, 9], [3, 3], { auto_pad: 'SAME_UPPER', dilations: [10, 10], strides: [2, 2] });
    const a2 = applyPass(pruneConvTaps, g2);
    expect(a2.nodes[0]?.attrs.kernel_shape).toEqual([1, 1]);
    expect(a2.nodes[0]?.attrs.auto_pad).toBe('NOTSET');
    await expectSameOutputs(g2, a2);
  });

  it('leaves convs whose every tap reads the map unchanged (the same graph)', () => {
    const g = conv([16, 16], [3, 3], { pads: [6, 6, 6, 6], dilations: [6, 6] });
    expect(pruneConvTaps(g)).toBe(g);
  });

  it('a weight shared with an unpruned conv keeps its name for that conv', async () => {
    const b = new GraphBuilder('shared', { seed: 6 });
    const x = b.input('x', [1, 4, 8, 8]);
    const w = b.param('w', [4, 4, 3, 3]);
    const big = b.op('Conv', [x, w], { pads: [1, 1, 1, 1] });
    const small = b.op('Conv', [x, w], { pads: [12, 12, 12, 12], dilations: [12, 12] });
    b.output(b.op('Add', [big, small]));
    const g = b.build();
    const after = applyPass(pruneConvTaps, g);
    const convs = after.nodes.filter((n) => n.op === 'Conv');
    expect(convs[0]?.inputs[1]).toBe('w');
    expect(convs[1]?.attrs.kernel_shape).toEqual([1, 1]);
    expect(after.initializers.has('w')).toBe(true);
    await expectSameOutputs(g, after);
  });
});
