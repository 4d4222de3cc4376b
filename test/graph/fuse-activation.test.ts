import { describe, expect, it } from 'vitest';
import type { ActivationKind } from '../../src/engine/ops/activation.js';
import { Tensor } from '../../src/engine/tensor.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import type { Attrs } from '../../src/graph/ir.js';
import { fuseActivation } from '../../src/graph/passes/fuse-activation.js';
import { applyPass, expectSameOutputs, opsOf } from './pass-helpers.js';

const FLOAT32_MAX = 3.4028234663852886e38;

interface Case {
  kind: ActivationKind;
  attrs?: Attrs;
  /** Clip bounds given as constant inputs. */
  bounds?: [number, number];
  params: number[];
}

const CASES: Case[] = [
  { kind: 'Relu', params: [] },
  { kind: 'Clip', bounds: [-0.5, 0.75], params: [-0.5, 0.75] },
  { kind: 'Sigmoid', params: [] },
  { kind: 'HardSigmoid', attrs: { alpha: 0.3, beta: 0.4 }, params: [0.3, 0.4] },
  { kind: 'HardSigmoid', params: [0.2, 0.5] },
  { kind: 'HardSwish', params: [] },
  { kind: 'Tanh', params: [] },
  { kind: 'LeakyRelu', attrs: { alpha: 0.2 }, params: [0.2] },
  { kind: 'LeakyRelu', params: [0.01] },
];

function activation(b: GraphBuilder, c: Case, x: string): string {
  const inputs = [x];
  if (c.bounds)
    inputs.push(
      b.constant('lo', Tensor.scalar('float32', c.bounds[0])),
      b.constant('hi', Tensor.scalar('float32', c.bounds[1])),
    );
  return b.op(c.kind, inputs, c.attrs ?? {});
}

describe('fuseActivation', () => {
  for (const producer of ['Conv', 'ConvTranspose', 'Gemm'] as const) {
    for (const c of CASES) {
      it(`fuses ${producer} + ${c.kind} ${JSON.stringify(c.params)}`, async () => {
        const b = new GraphBuilder(`${producer}-${c.kind}`, { seed: 9 });
        const y =
          producer === 'Gemm'
            ? b.op('Gemm', [b.input('x', [3, 5]), b.param('w', [4, 5]), b.param('bias', [4])], { transB: 1 })
            : b.op(producer, [b.input('x', [1, 3, 5, 5]), b.param('w', [3, 3, 3, 3]), b.param('bias', [3])], {
                pads: [1, 1, 1, 1],
              });
        b.output(activation(b, c, y));
        const g = b.build();
        const after = applyPass(fuseActivation, g);
        expect(opsOf(after)).toEqual([producer]);
        const node = after.nodes[0];
        expect(node?.attrs.activation).toBe(c.kind);
        expect(node?.attrs.activation_params).toEqual(c.params);
        expect(node?.outputs).toEqual([g.outputs[0]?.name]);
        // Large inputs so that Clip/Relu/HardSigmoid saturate on some elements.
        await expectSameOutputs(g, after, 1e-5);
      });
    }
  }

  it('fuses Clip with attribute bounds and with only a max input', async () => {
    const b = new GraphBuilder('clip-attrs', { seed: 2 });
    const x = b.input('x', [1, 2, 4, 4]);
    const y1 = b.op('Conv', [x, b.param('w1', [2, 2, 1, 1])]);
    const y2 = b.op('Conv', [x, b.param('w2', [2, 2, 1, 1])]);
    const c1 = b.op('Clip', [y1], { min: -0.1, max: 0.2 });
    const c2 = b.op('Clip', [y2, '', b.constant('six', Tensor.scalar('float32', 0.3))]);
    b.output(c1, c2);
    const g = b.build();
    const after = applyPass(fuseActivation, g);
    expect(opsOf(after)).toEqual(['Conv', 'Conv']);
    expect(after.nodes[0]?.attrs.activation_params).toEqual([-0.1, 0.2]);
    expect(after.nodes[1]?.attrs.activation_params).toEqual([-FLOAT32_MAX, Math.fround(0.3)]);
    await expectSameOutputs(g, after);
  });

  it('leaves the pattern alone when it cannot fuse', () => {
    const build = (name: string, f: (b: GraphBuilder, y: string) => void) => {
      const b = new GraphBuilder(name);
      const y = b.op('Conv', [b.input('x', [1, 2, 3, 3]), b.param('w', [2, 2, 1, 1])]);
      f(b, y);
      return opsOf(applyPass(fuseActivation, b.build()));
    };
    // Two readers of the conv output.
    expect(build('two-readers', (b, y) => b.output(b.op('Relu', [y]), b.op('Sigmoid', [y])))).toEqual([
      'Conv',
      'Relu',
      'Sigmoid',
    ]);
    // The conv output is a graph output.
    expect(build('graph-out', (b, y) => b.output(y, b.op('Relu', [y])))).toEqual(['Conv', 'Relu']);
    // Clip bound known only at run time.
    expect(build('runtime-clip', (b, y) => b.output(b.op('Clip', [y, b.input('lo', [])])))).toEqual([
      'Conv',
      'Clip',
    ]);
    // Already fused: a second activation stays.
    expect(
      build('twice', (b, y) => b.output(b.op('Sigmoid', [b.op('Relu', [y])]))).filter((op) => op !== 'Conv'),
    ).toEqual(['Sigmoid']);
    // Not a fusable producer.
    const b = new GraphBuilder('add-relu');
    const x = b.input('x', [2]);
    b.output(b.op('Relu', [b.op('Add', [x, x])]));
    expect(opsOf(applyPass(fuseActivation, b.build()))).toEqual(['Add', 'Relu']);
  });
});
