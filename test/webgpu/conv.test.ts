import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tuning } from '../../src/engine/backends/webgpu/index.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import { expectMatchesRef, kernelStems, webgpuSkipReason } from './helpers.js';

const skip = await webgpuSkipReason();
if (skip) console.warn(`webgpu tests skipped: ${skip}`);

interface Case {
  name: string;
  x: number[];
  w: number[];
  attrs: Record<string, number | number[] | string>;
  bias?: boolean;
}

const CASES: Case[] = [
  { name: '3x3 pad1 c5->7', x: [1, 5, 9, 7], w: [7, 5, 3, 3], attrs: { pads: [1, 1, 1, 1] }, bias: true },
  { name: 'stride2 odd', x: [2, 3, 11, 13], w: [6, 3, 3, 3], attrs: { strides: [2, 2], pads: [1, 0, 1, 2] } },
  {
    name: 'dilation 3 > pad 1',
    x: [1, 4, 10, 9],
    w: [5, 4, 3, 3],
    attrs: { dilations: [3, 3], pads: [1, 1, 1, 1] },
    bias: true,
  },
  { name: 'groups 3', x: [1, 6, 7, 5], w: [9, 2, 3, 3], attrs: { group: 3, pads: [1, 1, 1, 1] }, bias: true },
  {
    name: 'depthwise dil2',
    x: [1, 5, 8, 8],
    w: [5, 1, 3, 3],
    attrs: { group: 5, dilations: [2, 2], pads: [2, 2, 2, 2] },
  },
  {
    name: '10 out channels (odd block count)',
    x: [1, 3, 5, 6],
    w: [10, 3, 3, 3],
    attrs: { pads: [1, 1, 1, 1] },
    bias: true,
  },
  {
    name: '21 out channels, 3 groups of 7 (2 blocks each)',
    x: [1, 6, 5, 4],
    w: [21, 2, 3, 3],
    attrs: { group: 3, pads: [0, 1, 1, 0] },
    bias: true,
  },
  {
    name: '36 out channels (4-block quads + a remainder)',
    x: [1, 3, 4, 9],
    w: [36, 3, 3, 3],
    attrs: { strides: [1, 2] },
    bias: true,
  },
  {
    name: 'depthwise 5x5 stride 2 + fused relu6',
    x: [2, 7, 9, 11],
    w: [7, 1, 5, 5],
    attrs: { group: 7, strides: [2, 2], pads: [2, 2, 2, 2], activation: 'Clip', activation_params: [0, 6] },
    bias: true,
  },
  {
    name: 'depthwise 1-D dil3 > pad',
    x: [1, 6, 19],
    w: [6, 1, 3],
    attrs: { group: 6, dilations: [3], pads: [1, 2] },
  },
  { name: '1x1', x: [1, 9, 1, 6], w: [3, 9, 1, 1], attrs: {}, bias: true },
  { name: '1-D k5', x: [1, 3, 17], w: [4, 3, 5], attrs: { pads: [2, 1], strides: [2] } },
  {
    name: 'fused relu',
    x: [1, 3, 6, 6],
    w: [5, 3, 3, 3],
    attrs: { activation: 'Relu', pads: [1, 1, 1, 1] },
    bias: true,
  },
  {
    name: 'fused clip',
    x: [1, 3, 5, 5],
    w: [4, 3, 1, 3],
    attrs: { activation: 'Clip', activation_params: [-0.2, 0.3], auto_pad: 'SAME_UPPER' },
  },
  {
    name: 'fused hardswish',
    x: [1, 2, 4, 4],
    w: [3, 2, 2, 2],
    attrs: { activation: 'HardSwish' },
    bias: true,
  },
];

describe.skipIf(skip !== undefined)('webgpu Conv vs ref', () => {
  // Small cases: conv_gemm for all of them, not conv_pixel (the few-pixel switch is off).
  beforeAll(() => {
    tuning.fewPixels = 0;
  });
  afterAll(() => {
    tuning.fewPixels = undefined;
  });
  CASES.forEach((c, i) => {
    it(c.name, async () => {
      const b = new GraphBuilder(`conv_${i}`, { seed: 10 + i });
      const x = b.input('x', c.x);
      const inputs = [x, b.param('w', c.w)];
      if (c.bias) inputs.push(b.param('b', [c.w[0] as number]));
      b.output(b.op('Conv', inputs, c.attrs));
      const k = c.w.slice(1).reduce((a, d) => a * d, 1);
      await expectMatchesRef(b.build(), { atol: 1e-5 * k, rtol: 1e-4 }, i + 1);
    });
  });
});

describe.skipIf(skip !== undefined)('webgpu depthwise Conv with the GPU tuning vs ref', () => {
  beforeAll(() => {
    tuning.software = false;
  });
  afterAll(() => {
    tuning.software = undefined;
  });

  // On a GPU every depthwise conv runs depthwise.wgsl (one pipeline); SwiftShader takes depthwise_row for 3- and 5-wide ones.
  const variants: Record<string, number[] | string>[] = [
    { pads: [1, 1, 1, 1], activation: 'Relu' },
    { pads: [2, 2, 2, 2], dilations: [2, 2] },
    { pads: [1, 1, 1, 1], strides: [2, 2], activation: 'HardSwish' },
  ];
  for (const [i, attrs] of variants.entries()) {
    it(`3x3 depthwise ${JSON.stringify(attrs)} runs depthwise.wgsl`, async () => {
      const b = new GraphBuilder(`dw_gpu_${i}`, { seed: 60 + i });
      const x = b.input('x', [2, 7, 11, 9]);
      b.output(b.op('Conv', [x, b.param('w', [7, 1, 3, 3]), b.param('b', [7])], { group: 7, ...attrs }));
      const uses = await expectMatchesRef(b.build(), { atol: 1e-4, rtol: 1e-4 }, 70 + i);
      expect(kernelStems(uses)).toEqual(['depthwise']);
    });
  }
});
