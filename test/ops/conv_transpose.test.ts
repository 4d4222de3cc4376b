import { describe, expect, it } from 'vitest';
import { OPS } from '../../src/engine/ops/index.js';
import { Tensor } from '../../src/engine/tensor.js';
import { ShapeError, UnsupportedAttributeError } from '../../src/errors.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import type { Attrs, Dim } from '../../src/graph/ir.js';
import { rand, runOp } from '../helpers/ops.js';
import { expectMatchesOrt } from '../helpers/ort.js';

/** One ConvTranspose node on the ref backend, weights as constants. */
function run(x: Tensor, w: Tensor, attrs: Attrs, b?: Tensor): Promise<Tensor> {
  return runOp('ConvTranspose', x, [w, b], attrs);
}

describe('ConvTranspose (hand-computed)', () => {
  it('stride 2 scatters each pixel into its own 2x2 block, plus bias', async () => {
    const x = Tensor.fromNumbers('float32', [1, 1, 2, 2], [1, 2, 3, 4]);
    const w = Tensor.fromNumbers('float32', [1, 1, 2, 2], [1, 10, 100, 1000]);
    const y = await run(x, w, { strides: [2, 2] }, Tensor.fromNumbers('float32', [1], [0.5]));
    expect([...y.dims]).toEqual([1, 1, 4, 4]);
    const blocks = [1, 10, 2, 20, 100, 1000, 200, 2000, 3, 30, 4, 40, 300, 3000, 400, 4000];
    expect(Array.from(y.data as Float32Array)).toEqual(blocks.map((v) => v + 0.5));
  });

  it('overlapping windows add up; pads crop; output_padding adds a bias-only row/col', async () => {
    const x = Tensor.fromNumbers('float32', [1, 1, 3], [1, 2, 3]);
    const w = Tensor.fromNumbers('float32', [1, 1, 3], [1, 1, 1]);
    // Full result of stride 1: [1, 3, 6, 5, 3]; pads [1, 1] crop one on each side.
    expect(Array.from((await run(x, w, {})).data as Float32Array)).toEqual([1, 3, 6, 5, 3]);
    expect(Array.from((await run(x, w, { pads: [1, 1] })).data as Float32Array)).toEqual([3, 6, 5]);
    // Stride 2: [1, 1, 1+2, 2, 2+3, 3, 3] and output_padding 1 appends a 0.
    const y = await run(x, w, { strides: [2], output_padding: [1] });
    expect(Array.from(y.data as Float32Array)).toEqual([1, 1, 3, 2, 5, 3, 3, 0]);
    // output_shape 6 → total pad 1, given at the beginning (NOTSET / SAME_LOWER), at the end for SAME_UPPER.
    const lower = await run(x, w, { strides: [2], output_shape: [6] });
    expect(Array.from(lower.data as Float32Array)).toEqual([1, 3, 2, 5, 3, 3]);
    const upper = await run(x, w, { strides: [2], output_shape: [6], auto_pad: 'SAME_UPPER' });
    expect(Array.from(upper.data as Float32Array)).toEqual([1, 1, 3, 2, 5, 3]);
  });
});

describe('ConvTranspose shape inference', () => {
  const infer = (x: Dim[], w: number[], attrs: Attrs = {}) =>
    OPS.ConvTranspose.inferShape(
      { name: 't', op: 'ConvTranspose', inputs: ['x', 'w'], outputs: ['y'], attrs },
      [
        { dtype: 'float32', shape: x },
        { dtype: 'float32', shape: w },
      ],
    )[0]?.shape;

  it('output size s*(in-1) + output_padding + (k-1)*d + 1 - pads', () => {
    expect(infer([1, 8, 5, 6], [8, 4, 4, 4], { strides: [2, 2], pads: [1, 1, 1, 1] })).toEqual([
      1, 4, 10, 12,
    ]);
    expect(infer([1, 8, 5, 6], [8, 2, 3, 3], { group: 2, strides: [2, 2], output_padding: [1, 0] })).toEqual([
      1, 4, 12, 13,
    ]);
    expect(infer([1, 4, 5, 5], [4, 1, 3, 3], { dilations: [2, 2] })).toEqual([1, 1, 9, 9]);
    expect(infer([1, 4, 5, 5], [4, 1, 3, 3], { auto_pad: 'SAME_UPPER', strides: [2, 3] })).toEqual([
      1, 1, 10, 15,
    ]);
    expect(infer([1, 4, 5, 5], [4, 1, 3, 3], { output_shape: [1, 1, 10, 11], strides: [2, 2] })).toEqual([
      1, 1, 10, 11,
    ]);
    expect(infer(['N', 4, 'H', 5], [4, 1, 3, 3], {})).toEqual(['N', 1, 't_d2', 7]);
  });

  it('channel and attribute errors', () => {
    expect(() => infer([1, 3, 5, 5], [4, 2, 3, 3])).toThrow(ShapeError);
    expect(() => infer([1, 3, 5, 5], [4, 2, 3, 3])).toThrow(
      /input has 3 channels, weight .* expects 4 input channels/,
    );
    expect(() => infer([1, 6, 5, 5], [6, 2, 3, 3], { group: 4 })).toThrow(
      /6 channels, not divisible by group 4/,
    );
    expect(() => infer([1, 4, 5, 5], [4, 2, 3, 3], { strides: [2, 2], output_padding: [2, 0] })).toThrow(
      UnsupportedAttributeError,
    );
    expect(() => infer([1, 4, 5, 5], [4, 2, 3, 3], { output_shape: [1, 2, 3] })).toThrow(/output_shape/);
    expect(() => infer([1, 4, 5, 5, 5], [4, 2, 3, 3, 3])).toThrow(/only 1-D .* and 2-D/);
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
  { label: 'stride 1 with bias', x: [2, 3, 5, 4], w: [3, 4, 3, 3], bias: true },
  { label: 'size-1 input', x: [1, 4, 1, 1], w: [4, 3, 2, 2], attrs: { strides: [2, 2] } },
  {
    label: 'k4 s2 p1 (2x upsampling)',
    x: [1, 4, 5, 7],
    w: [4, 3, 4, 4],
    attrs: { strides: [2, 2], pads: [1, 1, 1, 1] },
  },
  {
    label: 'stride 3, asymmetric pads',
    x: [1, 2, 4, 5],
    w: [2, 3, 3, 2],
    attrs: { strides: [3, 3], pads: [0, 1, 2, 0] },
  },
  {
    label: 'output_padding',
    x: [1, 3, 4, 5],
    w: [3, 2, 3, 3],
    attrs: { strides: [2, 3], pads: [1, 1, 1, 1], output_padding: [1, 2] },
    bias: true,
  },
  { label: 'dilation 2', x: [1, 2, 5, 5], w: [2, 3, 3, 3], attrs: { dilations: [2, 2], pads: [1, 0, 1, 0] } },
  { label: 'groups 2', x: [1, 4, 5, 5], w: [4, 3, 3, 3], attrs: { group: 2, strides: [2, 2] }, bias: true },
  {
    label: 'depthwise',
    x: [2, 5, 4, 6],
    w: [5, 1, 3, 3],
    attrs: { group: 5, strides: [2, 2], pads: [1, 1, 1, 1] },
  },
  {
    label: 'output_shape (even total pad)',
    x: [1, 2, 4, 4],
    w: [2, 2, 4, 4],
    attrs: { strides: [2, 2], output_shape: [8, 8] },
  },
  {
    label: 'output_shape (odd total pad)',
    x: [1, 2, 4, 4],
    w: [2, 2, 3, 3],
    attrs: { strides: [2, 2], output_shape: [8, 8] },
  },
  {
    label: 'output_shape with SAME_UPPER',
    x: [1, 2, 4, 4],
    w: [2, 2, 3, 3],
    attrs: { strides: [2, 2], output_shape: [8, 8], auto_pad: 'SAME_UPPER' },
  },
  {
    label: 'SAME_UPPER',
    x: [1, 2, 4, 5],
    w: [2, 3, 3, 3],
    attrs: { strides: [2, 2], auto_pad: 'SAME_UPPER' },
  },
  {
    label: 'SAME_LOWER',
    x: [1, 2, 4, 5],
    w: [2, 3, 3, 3],
    attrs: { strides: [2, 2], auto_pad: 'SAME_LOWER' },
  },
  { label: 'VALID', x: [1, 2, 4, 5], w: [2, 3, 3, 3], attrs: { strides: [2, 2], auto_pad: 'VALID' } },
  { label: '1-D', x: [2, 3, 7], w: [3, 2, 4], attrs: { strides: [2], pads: [1, 1] }, bias: true },
];

describe('ConvTranspose vs onnxruntime', () => {
  CASES.forEach((c, i) => {
    it(c.label, async () => {
      const g = new GraphBuilder(`deconv_${i}`, { opset: 17, seed: 20 + i });
      const ins = [g.input('x', c.x), g.param('w', c.w)];
      const group = (c.attrs?.group as number | undefined) ?? 1;
      if (c.bias) ins.push(g.param('b', [(c.w[1] as number) * group]));
      g.output(g.op('ConvTranspose', ins, c.attrs ?? {}));
      const reduction = c.w.slice(2).reduce((a, b) => a * b, c.w[0] as number);
      await expectMatchesOrt(g.build(), { x: rand(c.x, 200 + i) }, { atol: 1e-6 * reduction, rtol: 1e-4 });
    });
  });
});
