import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../src/graph/builder.js';
import { fuseActivation } from '../../src/graph/passes/fuse-activation.js';
import { fuseHardSwish } from '../../src/graph/passes/fuse-hardswish.js';
import { optimizeGraph } from '../../src/graph/passes/index.js';
import { applyPass, expectSameOutputs, opsOf } from './pass-helpers.js';

/** Conv → x · HardSigmoid(x) (torchvision's hardswish below opset 14), the gate on either side. */
function decomposed(gateFirst: boolean, attrs: Record<string, number> = { alpha: 1 / 6, beta: 0.5 }) {
  const b = new GraphBuilder('hswish', { seed: 3 });
  const x = b.op('Conv', [b.input('x', [1, 3, 6, 5]), b.param('w', [4, 3, 3, 3]), b.param('b', [4])], {
    pads: [1, 1, 1, 1],
  });
  const gate = b.op('HardSigmoid', [x], attrs);
  b.output(b.op('Mul', gateFirst ? [gate, x] : [x, gate]));
  return b.build();
}

describe('fuseHardSwish', () => {
  for (const gateFirst of [false, true]) {
    it(`makes x · HardSigmoid(x) one HardSwish (gate ${gateFirst ? 'first' : 'second'}), which fuses into the conv`, async () => {
      const g = decomposed(gateFirst);
      const after = applyPass(fuseHardSwish, g);
      expect(opsOf(after)).toEqual(['Conv', 'HardSwish']);
      expect(after.nodes[1]?.inputs).toEqual([after.nodes[0]?.outputs[0]]);
      expect(after.nodes[1]?.outputs).toEqual([g.outputs[0]?.name]);
      await expectSameOutputs(g, after, 1e-6);
      const fused = applyPass(fuseActivation, after);
      expect(opsOf(fused)).toEqual(['Conv']);
      expect(fused.nodes[0]?.attrs.activation).toBe('HardSwish');
      // The default passes do both.
      expect(opsOf(optimizeGraph(g))).toEqual(['Conv']);
      await expectSameOutputs(g, fused, 1e-6);
    });
  }

  it('leaves other gates, a gate with another reader and a gate of another value alone', () => {
    // HardSigmoid's defaults (alpha 0.2) are not hardswish.
    expect(opsOf(applyPass(fuseHardSwish, decomposed(false, {})))).toEqual(['Conv', 'HardSigmoid', 'Mul']);
    expect(opsOf(applyPass(fuseHardSwish, decomposed(false, { alpha: 1 / 6, beta: 0.4 })))).toEqual([
      'Conv',
      'HardSigmoid',
      'Mul',
    ]);

    const b = new GraphBuilder('hswish-readers', { seed: 4 });
    const x = b.input('x', [2, 3]);
    const y = b.input('y', [2, 3]);
    const gate = b.op('HardSigmoid', [x], { alpha: 1 / 6, beta: 0.5 });
    // The gate is also a graph output; a second gate multiplies another value.
    b.output(
      b.op('Mul', [x, gate]),
      gate,
      b.op('Mul', [y, b.op('HardSigmoid', [x], { alpha: 1 / 6, beta: 0.5 })]),
    );
    expect(opsOf(applyPass(fuseHardSwish, b.build()))).toEqual(['HardSigmoid', 'Mul', 'HardSigmoid', 'Mul']);
  });
});
