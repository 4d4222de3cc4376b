import { afterEach, describe, expect, it } from 'vitest';
import { acquireDevice } from '../../src/engine/backends/webgpu/device.js';
import { ignoredFeatures } from '../../src/engine/backends/webgpu/index.js';
import { Session } from '../../src/engine/session.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import { expectMatchesRef, webgpuSkipReason } from './helpers.js';

/**
 * conv_gemm.wgsl (Conv and every ConvTranspose phase) and its no-subgroups twin against the ref
 * backend: channel counts around the 4/8/16/32-channel tiles, size-1 and odd dims, dilation > pad,
 * groups, phases without taps, and a dispatch of more than 65535 workgroups.
 */
const skip = await webgpuSkipReason();
if (skip) console.warn(`webgpu tests skipped: ${skip}`);

interface Case {
  name: string;
  op?: 'Conv' | 'ConvTranspose';
  x: number[];
  w: number[];
  attrs: Record<string, number | number[] | string>;
}

const CASES: Case[] = [
  {
    name: '5->7 3x3 pad 1 (one partial block)',
    x: [1, 5, 9, 7],
    w: [7, 5, 3, 3],
    attrs: { pads: [1, 1, 1, 1] },
  },
  { name: '3->33 (a 32-channel tile + 1)', x: [1, 3, 6, 5], w: [33, 3, 3, 3], attrs: { pads: [1, 1, 1, 1] } },
  {
    name: '7->18 stride 2 asymmetric pads',
    x: [2, 7, 11, 13],
    w: [18, 7, 3, 3],
    attrs: { strides: [2, 2], pads: [1, 0, 2, 1] },
  },
  {
    name: 'dilation 4 > pad 1, 9 channels',
    x: [1, 9, 12, 10],
    w: [12, 9, 3, 3],
    attrs: { dilations: [4, 4], pads: [1, 1, 1, 1] },
  },
  {
    name: 'groups 3 of 9 out channels',
    x: [1, 6, 7, 5],
    w: [27, 2, 3, 3],
    attrs: { group: 3, pads: [1, 1, 1, 1] },
  },
  { name: 'size-1 spatial 1x1', x: [3, 10, 1, 1], w: [6, 10, 1, 1], attrs: {} },
  { name: '1-row input, 1x3 kernel', x: [2, 5, 1, 7], w: [4, 5, 1, 3], attrs: { pads: [0, 1, 0, 1] } },
  {
    name: 'pointwise 64->40 @ 17x19 + LeakyRelu',
    x: [1, 64, 17, 19],
    w: [40, 64, 1, 1],
    attrs: { activation: 'LeakyRelu', activation_params: [0.1] },
  },
  {
    name: 'HardSigmoid epilogue',
    x: [1, 4, 5, 5],
    w: [9, 4, 3, 3],
    attrs: { activation: 'HardSigmoid', activation_params: [0.3, 0.4] },
  },
  // Sigmoid and Tanh share one exp in the epilogue (tanh(v) = 2 sigmoid(2v) - 1).
  {
    name: 'Tanh epilogue, 12 channels',
    x: [1, 6, 7, 6],
    w: [12, 6, 3, 3],
    attrs: { pads: [1, 1, 1, 1], activation: 'Tanh' },
  },
  {
    name: 'Sigmoid epilogue, 20 channels',
    x: [1, 5, 6, 5],
    w: [20, 5, 1, 1],
    attrs: { activation: 'Sigmoid' },
  },
  { name: '1-D k5 stride 2', x: [1, 3, 17], w: [4, 3, 5], attrs: { pads: [2, 1], strides: [2] } },
  {
    name: 'ConvTranspose k1 stride 2 (phases without taps)',
    op: 'ConvTranspose',
    x: [1, 3, 4, 5],
    w: [3, 5, 1, 1],
    attrs: { strides: [2, 2] },
  },
  {
    name: 'ConvTranspose k4 s2 p1, 6->9',
    op: 'ConvTranspose',
    x: [2, 6, 5, 4],
    w: [6, 9, 4, 4],
    attrs: { strides: [2, 2], pads: [1, 1, 1, 1] },
  },
  {
    name: 'ConvTranspose s3 d2 groups 2 + Relu',
    op: 'ConvTranspose',
    x: [1, 4, 4, 3],
    w: [4, 3, 3, 2],
    attrs: { group: 2, dilations: [2, 2], strides: [3, 2], activation: 'Relu' },
  },
  {
    name: 'ConvTranspose 1-D s2 output_padding',
    op: 'ConvTranspose',
    x: [1, 3, 6],
    w: [3, 2, 3],
    attrs: { strides: [2], pads: [1, 0], output_padding: [1] },
  },
];

async function check(c: Case, i: number): Promise<void> {
  const op = c.op ?? 'Conv';
  const b = new GraphBuilder(`gemm_${i}`, { seed: 40 + i });
  const x = b.input('x', c.x);
  const group = (c.attrs.group as number | undefined) ?? 1;
  const m = op === 'Conv' ? (c.w[0] as number) : (c.w[1] as number) * group;
  b.output(b.op(op, [x, b.param('w', c.w), b.param('b', [m])], c.attrs));
  const k = c.w.slice(op === 'Conv' ? 1 : 2).reduce((a, d) => a * d, op === 'Conv' ? 1 : (c.w[0] as number));
  await expectMatchesRef(b.build(), { atol: 1e-5 * k, rtol: 1e-4 }, i + 1);
}

describe.skipIf(skip !== undefined)('webgpu conv_gemm vs ref', () => {
  afterEach(() => ignoredFeatures.clear());

  CASES.forEach((c, i) => {
    it(c.name, () => check(c, i));
  });

  for (const i of [0, 4, 11]) {
    const c = CASES[i] as Case;
    it(`without subgroups (conv_gemm_nosg): ${c.name}`, async () => {
      ignoredFeatures.add('subgroups');
      await check(c, 100 + i);
    });
  }

  it('picks conv_gemm_nosg.wgsl when subgroups are ignored, conv_gemm.wgsl otherwise', async () => {
    const b = new GraphBuilder('pick', { seed: 3 });
    b.output(b.op('Conv', [b.input('x', [1, 3, 4, 4]), b.param('w', [5, 3, 3, 3])], { pads: [1, 1, 1, 1] }));
    const g = b.build();
    const files = async () => {
      const s = await Session.create(g, { backend: 'webgpu', optimize: false });
      try {
        return s.shaders()?.uses.map((u) => u.file.replace(/-[0-9a-f]+\.wgsl$/, '')) ?? [];
      } finally {
        s.release();
      }
    };
    const withSg = await files();
    ignoredFeatures.add('subgroups');
    expect(await files()).toEqual(['conv_gemm_nosg']);
    // Where the adapter has subgroups (SwiftShader does), the default is the subgroup kernel.
    const gpu = await acquireDevice(undefined, ['subgroups']);
    const has = gpu.device.features.has('subgroups');
    gpu.destroy();
    expect(withSg).toEqual([has ? 'conv_gemm' : 'conv_gemm_nosg']);
  });

  it('more than 65535 workgroups in one dispatch (70000 groups of 1 -> 2 channels)', async () => {
    const g = 70000;
    const b = new GraphBuilder('gemm_big', { seed: 7 });
    const x = b.input('x', [1, g, 1, 2]);
    b.output(
      b.op('Conv', [x, b.param('w', [2 * g, 1, 1, 2]), b.param('b', [2 * g])], {
        group: g,
        pads: [0, 0, 0, 1],
      }),
    );
    await expectMatchesRef(b.build(), { atol: 1e-5, rtol: 1e-4 }, 3);
  });
});

describe.skipIf(skip !== undefined)('webgpu depthwise_k3 vs ref', () => {
  const DW: Case[] = [
    {
      name: '3x3 dil 2 pad 2, 13 wide',
      x: [1, 5, 9, 13],
      w: [5, 1, 3, 3],
      attrs: { group: 5, dilations: [2, 2], pads: [2, 2, 2, 2] },
    },
    {
      name: '3x3 dil 3 > pad 1, stride (2, 1) + Relu6',
      x: [2, 3, 11, 20],
      w: [3, 1, 3, 3],
      attrs: {
        group: 3,
        dilations: [3, 3],
        pads: [1, 1, 1, 1],
        strides: [2, 1],
        activation: 'Clip',
        activation_params: [0, 6],
      },
    },
    {
      name: '5x3 (tall kernel), width 1',
      x: [1, 4, 8, 1],
      w: [4, 1, 5, 3],
      attrs: { group: 4, pads: [2, 1, 2, 1] },
    },
    { name: '1-D k3 dil 4', x: [1, 6, 37], w: [6, 1, 3], attrs: { group: 6, dilations: [4], pads: [4, 4] } },
  ];
  DW.forEach((c, i) => {
    it(c.name, () => check(c, 200 + i));
  });
});
