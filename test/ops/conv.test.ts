import { describe, expect, it } from 'vitest';
import { OPS } from '../../src/engine/ops/index.js';
import { Session } from '../../src/engine/session.js';
import { Tensor } from '../../src/engine/tensor.js';
import { ShapeError, UnsupportedAttributeError } from '../../src/errors.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import type { Attrs } from '../../src/graph/ir.js';
import { expectClose } from '../helpers/compare.js';
import { rand, runOp } from '../helpers/ops.js';
import { expectMatchesOrt } from '../helpers/ort.js';

/** One Conv node on the ref backend, weights as constants. */
function runConv(x: Tensor, w: Tensor, attrs: Attrs, b?: Tensor): Promise<Tensor> {
  return runOp('Conv', x, [w, b], attrs);
}

describe('Conv (hand-computed)', () => {
  const x = Tensor.fromNumbers('float32', [1, 1, 3, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const ones = Tensor.fromNumbers('float32', [1, 1, 2, 2], [1, 1, 1, 1]);

  it('2x2 box sums, with bias', async () => {
    const y = await runConv(x, ones, {}, Tensor.fromNumbers('float32', [1], [0.5]));
    expect([...y.dims]).toEqual([1, 1, 2, 2]);
    expect(Array.from(y.data as Float32Array)).toEqual([12.5, 16.5, 24.5, 28.5]);
  });

  it('pads, strides and dilations', async () => {
    // pad 1 all round, stride 2: windows start at -1, 1 → sums of the 2x2 corners that overlap.
    const y = await runConv(x, ones, { pads: [1, 1, 1, 1], strides: [2, 2] });
    expect(Array.from(y.data as Float32Array)).toEqual([1, 2 + 3, 4 + 7, 5 + 6 + 8 + 9]);
    // dilation 2 of a 2x2 kernel touches the four corners.
    const d = await runConv(x, ones, { dilations: [2, 2] });
    expect(Array.from(d.data as Float32Array)).toEqual([1 + 3 + 7 + 9]);
  });

  it('1-D conv (N, C, L) and fused activation after the bias', async () => {
    const x1 = Tensor.fromNumbers('float32', [1, 1, 4], [1, -2, 3, -4]);
    const w1 = Tensor.fromNumbers('float32', [1, 1, 2], [1, 1]);
    const y = await runConv(x1, w1, { activation: 'Relu' }, Tensor.fromNumbers('float32', [1], [0.5]));
    expect([...y.dims]).toEqual([1, 1, 3]);
    expect(Array.from(y.data as Float32Array)).toEqual([0, 1.5, 0]);
    const c = await runConv(x1, w1, { activation: 'Clip', activation_params: [-0.5, 1] });
    expect(Array.from(c.data as Float32Array)).toEqual([-0.5, 1, -0.5]);
  });
});

describe('Conv shape inference', () => {
  const infer = (x: (number | string)[], w: number[], attrs: Attrs = {}) =>
    OPS.Conv.inferShape({ name: 'c', op: 'Conv', inputs: ['x', 'w'], outputs: ['y'], attrs }, [
      { dtype: 'float32', shape: x },
      { dtype: 'float32', shape: w },
    ])[0]?.shape;

  it('explicit pads, strides, dilations', () => {
    expect(infer([1, 3, 17, 9], [8, 3, 3, 3], { pads: [1, 1, 1, 1], strides: [2, 2] })).toEqual([1, 8, 9, 5]);
    expect(infer([2, 4, 10, 10], [4, 1, 3, 3], { group: 4, dilations: [3, 3] })).toEqual([2, 4, 4, 4]);
    expect(infer([1, 2, 7, 8], [2, 2, 3, 2], { pads: [0, 1, 2, 0] })).toEqual([1, 2, 7, 8]);
  });

  it('auto_pad SAME keeps ceil(in / stride), VALID drops the border', () => {
    expect(infer([1, 3, 7, 8], [4, 3, 3, 3], { auto_pad: 'SAME_UPPER', strides: [2, 3] })).toEqual([
      1, 4, 4, 3,
    ]);
    expect(infer([1, 3, 7, 8], [4, 3, 3, 3], { auto_pad: 'SAME_LOWER' })).toEqual([1, 4, 7, 8]);
    expect(infer([1, 3, 7, 8], [4, 3, 3, 3], { auto_pad: 'VALID', strides: [2, 2] })).toEqual([1, 4, 3, 3]);
  });

  it('symbolic dims: kept where the conv keeps size, fresh names elsewhere', () => {
    expect(infer(['N', 3, 'H', 'W'], [8, 3, 3, 3], { pads: [1, 1, 1, 1] })).toEqual(['N', 8, 'H', 'W']);
    expect(infer(['N', 3, 'H', 'W'], [8, 3, 3, 3], { strides: [2, 2] })).toEqual(['N', 8, 'c_d2', 'c_d3']);
  });

  it('flops = 2 * N * M * out * C/group * kh * kw', () => {
    const node = { name: 'c', op: 'Conv' as const, inputs: ['x', 'w'], outputs: ['y'], attrs: { group: 2 } };
    const inputs = [
      { dtype: 'float32' as const, shape: [2, 4, 5, 5] },
      { dtype: 'float32' as const, shape: [6, 2, 3, 3] },
    ];
    const outputs = OPS.Conv.inferShape(node, inputs);
    expect(OPS.Conv.flops?.(node, inputs, outputs)).toBe(2 * 2 * 6 * 3 * 3 * 2 * 3 * 3);
  });

  it('channel mismatch names the channels', () => {
    expect(() => infer([1, 8, 5, 5], [4, 3, 3, 3])).toThrow(ShapeError);
    expect(() => infer([1, 8, 5, 5], [4, 3, 3, 3])).toThrow(
      /input has 8 channels, weight expects 3 x group 1/,
    );
    expect(() => infer([1, 4, 5, 5], [6, 1, 3, 3], { group: 4 })).toThrow(
      /6 output channels, not divisible by group 4/,
    );
  });

  it('bad ranks, kernel_shape and attribute lengths', () => {
    expect(() => infer([1, 3, 4, 4, 4], [4, 3, 3, 3, 3])).toThrow(/only 1-D .* and 2-D .* supported/);
    expect(() => infer([1, 3, 4, 4], [4, 3, 3])).toThrow(/weight has rank 3/);
    expect(() => infer([1, 3, 4, 4], [4, 3, 3, 3], { kernel_shape: [2, 2] })).toThrow(
      /kernel_shape \[2, 2\]/,
    );
    expect(() => infer([1, 3, 4, 4], [4, 3, 3, 3], { pads: [1, 1] })).toThrow(UnsupportedAttributeError);
    expect(() => infer([1, 3, 2, 2], [4, 3, 3, 3])).toThrow(/smaller than the \(dilated\) kernel/);
  });

  it('bias of the wrong size', async () => {
    const g = new GraphBuilder('bad');
    g.output(g.op('Conv', [g.input('x', [1, 3, 5, 5]), g.param('w', [4, 3, 3, 3]), g.param('b', [3])]));
    expect(() => g.build()).toThrow(/bias has shape \[3\], expected \[4\]/);
  });
});

interface Case {
  label: string;
  x: number[];
  w: number[];
  attrs?: Attrs;
  bias?: boolean;
}

const CASES: Case[] = [
  {
    label: '3x3 pad 1 with bias',
    x: [2, 3, 9, 7],
    w: [5, 3, 3, 3],
    attrs: { pads: [1, 1, 1, 1] },
    bias: true,
  },
  { label: 'size-1 spatial and 1x1 kernel', x: [1, 5, 1, 1], w: [3, 5, 1, 1], bias: true },
  {
    label: 'odd sizes, stride 2',
    x: [1, 3, 11, 13],
    w: [4, 3, 3, 3],
    attrs: { strides: [2, 2], pads: [1, 1, 1, 1] },
  },
  {
    label: 'stride 3, asymmetric pads',
    x: [1, 2, 10, 9],
    w: [3, 2, 3, 2],
    attrs: { strides: [3, 3], pads: [0, 1, 2, 0] },
  },
  {
    label: 'dilation 4 > padding 1 (ASPP)',
    x: [1, 4, 13, 12],
    w: [6, 4, 3, 3],
    attrs: { dilations: [4, 4], pads: [1, 1, 1, 1] },
  },
  {
    label: 'dilation 2 with pad 2',
    x: [1, 3, 9, 9],
    w: [2, 3, 3, 3],
    attrs: { dilations: [2, 2], pads: [2, 2, 2, 2] },
  },
  {
    label: 'groups 2',
    x: [1, 6, 7, 7],
    w: [4, 3, 3, 3],
    attrs: { group: 2, pads: [1, 1, 1, 1] },
    bias: true,
  },
  {
    label: 'depthwise stride 2',
    x: [2, 5, 8, 9],
    w: [5, 1, 3, 3],
    attrs: { group: 5, strides: [2, 2], pads: [1, 1, 1, 1] },
  },
  { label: 'depthwise multiplier 2', x: [1, 3, 6, 6], w: [6, 1, 3, 3], attrs: { group: 3 } },
  {
    label: 'SAME_UPPER stride 2',
    x: [1, 3, 8, 7],
    w: [4, 3, 3, 3],
    attrs: { auto_pad: 'SAME_UPPER', strides: [2, 2] },
  },
  { label: 'SAME_LOWER even kernel', x: [1, 2, 7, 6], w: [3, 2, 4, 2], attrs: { auto_pad: 'SAME_LOWER' } },
  { label: 'SAME_UPPER even kernel', x: [1, 2, 7, 6], w: [3, 2, 4, 2], attrs: { auto_pad: 'SAME_UPPER' } },
  {
    label: 'VALID stride 3',
    x: [1, 3, 11, 10],
    w: [2, 3, 3, 3],
    attrs: { auto_pad: 'VALID', strides: [3, 3] },
  },
  {
    label: 'kernel_shape given, 1xk and kx1',
    x: [1, 4, 9, 9],
    w: [4, 4, 1, 7],
    attrs: { kernel_shape: [1, 7], pads: [0, 3, 0, 3] },
  },
  {
    label: '7x7 stride 2 pad 3 (stem)',
    x: [1, 3, 15, 15],
    w: [8, 3, 7, 7],
    attrs: { strides: [2, 2], pads: [3, 3, 3, 3] },
    bias: true,
  },
  { label: '1-D conv (PointNet)', x: [2, 3, 17], w: [8, 3, 1], bias: true },
  {
    label: '1-D conv k3 stride 2 dilation 2',
    x: [1, 4, 20],
    w: [5, 4, 3],
    attrs: { strides: [2], dilations: [2], pads: [1, 2] },
  },
];

describe('Conv vs onnxruntime', () => {
  CASES.forEach((c, i) => {
    it(c.label, async () => {
      const g = new GraphBuilder(`conv_${i}`, { opset: 17, seed: 10 + i });
      const ins = [g.input('x', c.x), g.param('w', c.w)];
      if (c.bias) ins.push(g.param('b', [c.w[0] as number]));
      g.output(g.op('Conv', ins, c.attrs ?? {}));
      // Reduction length C/group * k: tolerance grows with it.
      const reduction = c.w.slice(1).reduce((a, b) => a * b, 1);
      await expectMatchesOrt(g.build(), { x: rand(c.x, 100 + i) }, { atol: 1e-6 * reduction, rtol: 1e-4 });
    });
  });

  it('fused activation equals Conv followed by the activation node', async () => {
    const x = rand([1, 4, 6, 6], 5);
    const w = rand([3, 4, 3, 3], 6);
    for (const [kind, params, op, attrs] of [
      ['Relu', [], 'Relu', {}],
      ['LeakyRelu', [0.1], 'LeakyRelu', { alpha: 0.1 }],
      ['HardSigmoid', [0.3, 0.4], 'HardSigmoid', { alpha: 0.3, beta: 0.4 }],
    ] as const) {
      const fused = await runConv(x, w, {
        activation: kind,
        activation_params: [...params],
        pads: [1, 1, 1, 1],
      });
      const g = new GraphBuilder('unfused');
      g.output(
        g.op(
          op,
          [g.op('Conv', [g.input('x', [1, 4, 6, 6]), g.constant('w', w)], { pads: [1, 1, 1, 1] })],
          attrs,
        ),
      );
      const s = await Session.create(g.build(), { optimize: false });
      const plain = Object.values(await s.run({ x }))[0] as Tensor;
      // Fused applies the activation before rounding to float32; unfused after.
      expectClose(fused, plain, { atol: 1e-7, rtol: 1e-6 }, kind);
    }
  });
});
