import { describe, it } from 'vitest';
import { GraphBuilder } from '../../src/graph/builder.js';
import { expectMatchesRef, webgpuSkipReason } from './helpers.js';

const skip = await webgpuSkipReason();
if (skip) console.warn(`webgpu tests skipped: ${skip}`);

describe.skipIf(skip !== undefined)('webgpu Gemm, MatMul, ConvTranspose vs ref', () => {
  it('Gemm with transA/transB, alpha/beta, C broadcast, fused activation', async () => {
    const b = new GraphBuilder('gemm', { seed: 15 });
    const a = b.input('a', [5, 7]);
    const at = b.input('at', [7, 5]);
    b.output(
      b.op('Gemm', [a, b.param('w', [9, 7]), b.param('c', [9])], { transB: 1, alpha: 0.5, beta: 2 }),
      b.op('Gemm', [at, b.param('w2', [7, 3]), b.param('c2', [5, 1])], { transA: 1 }),
      b.op('Gemm', [a, b.param('w3', [7, 6])], { activation: 'LeakyRelu', activation_params: [0.1] }),
    );
    await expectMatchesRef(b.build(), { atol: 1e-5, rtol: 1e-4 });
  });

  it('MatMul batched, broadcast batch, 1-D operands', async () => {
    const b = new GraphBuilder('matmul', { seed: 16 });
    const a = b.input('a', [2, 3, 5, 6]);
    const v = b.input('v', [6]);
    b.output(
      b.op('MatMul', [a, b.param('w', [6, 4])]),
      b.op('MatMul', [a, b.param('wb', [2, 3, 6, 3])]),
      b.op('MatMul', [a, v]),
      b.op('MatMul', [v, b.param('m', [6, 5])]),
    );
    await expectMatchesRef(b.build(), { atol: 1e-5, rtol: 1e-4 });
  });

  const CT: { name: string; x: number[]; w: number[]; attrs: Record<string, number | number[] | string> }[] =
    [
      {
        name: '4x4 stride 2 pad 1',
        x: [1, 5, 4, 5],
        w: [5, 3, 4, 4],
        attrs: { strides: [2, 2], pads: [1, 1, 1, 1] },
      },
      {
        name: '3x3 stride 2 output_padding',
        x: [2, 3, 3, 4],
        w: [3, 6, 3, 3],
        attrs: { strides: [2, 2], pads: [1, 1, 1, 1], output_padding: [1, 1] },
      },
      {
        name: 'groups 2, dilation 2, stride 3',
        x: [1, 4, 3, 3],
        w: [4, 3, 3, 2],
        attrs: { group: 2, dilations: [2, 2], strides: [3, 2] },
      },
      {
        name: 'output_shape SAME_UPPER + fused sigmoid',
        x: [1, 2, 3, 3],
        w: [2, 5, 3, 3],
        attrs: { strides: [2, 2], output_shape: [6, 7], auto_pad: 'SAME_UPPER', activation: 'Sigmoid' },
      },
    ];
  CT.forEach((c, i) => {
    it(`ConvTranspose ${c.name}`, async () => {
      const b = new GraphBuilder(`ct_${i}`, { seed: 20 + i });
      const x = b.input('x', c.x);
      const m = (c.w[1] as number) * ((c.attrs.group as number | undefined) ?? 1);
      b.output(b.op('ConvTranspose', [x, b.param('w', c.w), b.param('b', [m])], c.attrs));
      await expectMatchesRef(b.build(), { atol: 1e-5 * (c.w[0] as number) * 9, rtol: 1e-4 }, i + 1);
    });
  });
});
