import { afterEach, describe, expect, it } from 'vitest';
import { acquireDevice } from '../../src/engine/backends/webgpu/device.js';
import { ignoredFeatures } from '../../src/engine/backends/webgpu/index.js';
import { Session } from '../../src/engine/session.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import { CASES, type Case, check } from './conv-cases.js';
import { expectMatchesRef, webgpuSkipReason } from './helpers.js';

/**
 * conv_gemm.wgsl (Conv and every ConvTranspose phase) and its no-subgroups twin against the ref
 * backend: channel counts around the 4/8/16/32-channel tiles, size-1 and odd dims, dilation > pad,
 * groups, phases without taps, and a dispatch of more than 65535 workgroups.
 */
const skip = await webgpuSkipReason();
if (skip) console.warn(`webgpu tests skipped: ${skip}`);

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
