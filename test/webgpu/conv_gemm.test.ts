import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { acquireDevice } from '../../src/engine/backends/webgpu/device.js';
import { ignoredFeatures, tuning } from '../../src/engine/backends/webgpu/index.js';
import { FEW_PIXELS, FEW_PIXELS_MIN_MACS } from '../../src/engine/backends/webgpu/kernels/conv_gemm.js';
import { Session } from '../../src/engine/session.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import { CASES, type Case, check } from './conv-cases.js';
import { expectMatchesRef, kernelStems, webgpuSkipReason } from './helpers.js';

/**
 * conv_gemm.wgsl (Conv and every ConvTranspose phase) and its no-subgroups twin against the ref
 * backend: channel counts around the 4/8/16/32-channel tiles, size-1 and odd dims, dilation > pad,
 * groups, phases without taps, and a dispatch of more than 65535 workgroups. The few-pixel switch
 * to conv_pixel (FEW_PIXELS) is off here (tuning.fewPixels = 0): the cases run conv_gemm, most on
 * one tile with fewer than 256 pixels (the PS path); tests below check the switch.
 */
const skip = await webgpuSkipReason();
if (skip) console.warn(`webgpu tests skipped: ${skip}`);

/** The kernel files a session of `graph` uses, without their hash. */
async function kernelFiles(graph: Parameters<typeof Session.create>[0]): Promise<string[]> {
  const s = await Session.create(graph, { backend: 'webgpu', optimize: false });
  try {
    return kernelStems(s.shaders()?.uses ?? []);
  } finally {
    s.release();
  }
}

describe.skipIf(skip !== undefined)('webgpu conv_gemm vs ref', () => {
  beforeAll(() => {
    tuning.fewPixels = 0;
  });
  afterAll(() => {
    tuning.fewPixels = undefined;
  });
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
    const files = () => kernelFiles(g);
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

describe.skipIf(skip !== undefined)('webgpu conv_gemm: few and odd pixel counts', () => {
  // The kernels a session keeps: without the tiered start-up (upgrades.test.ts), whose first tier
  // runs every conv on conv_gemm.
  beforeAll(() => {
    tuning.tiered = false;
  });
  afterAll(() => {
    tuning.fewPixels = undefined;
    tuning.tiered = undefined;
  });

  /** A Conv of x [n, c, h, w] into 12 channels (3×3, pad 1, bias, Relu), the planes given. */
  function convOf(n: number, h: number, w: number, seed: number) {
    const b = new GraphBuilder(`px_${n}x${h}x${w}`, { seed });
    const x = b.input('x', [n, 6, h, w]);
    b.output(
      b.op('Conv', [x, b.param('w', [12, 6, 3, 3]), b.param('b', [12])], {
        pads: [1, 1, 1, 1],
        activation: 'Relu',
      }),
    );
    return b.build();
  }

  /** A 1×1 Conv of x [n, cin, h, w] into cout channels. */
  function pointwise(n: number, cin: number, cout: number, h: number, w: number, seed: number) {
    const b = new GraphBuilder(`pw_${cin}_${cout}_${n}x${h}x${w}`, { seed });
    const x = b.input('x', [n, cin, h, w]);
    b.output(b.op('Conv', [x, b.param('w', [cout, cin, 1, 1]), b.param('b', [cout])], {}));
    return b.build();
  }

  it(`runs large convs of at most ${FEW_PIXELS} output pixels on conv_pixel, the rest on conv_gemm`, async () => {
    tuning.fewPixels = undefined;
    // 256 → 128 (FEW_PIXELS_MIN_MACS multiply-adds per pixel) at 1 and 4 (2 batch items) pixels: a
    // squeeze-excite 1×1; at 5 pixels, and a small conv (40 → 10) at one pixel: conv_gemm.
    expect(256 * 128).toBe(FEW_PIXELS_MIN_MACS);
    const se = pointwise(1, 256, 128, 1, 1, 1);
    expect(await kernelFiles(se)).toEqual(['conv_pixel']);
    await expectMatchesRef(se, { atol: 1e-4, rtol: 1e-4 }, 5);
    const four = pointwise(2, 256, 128, 1, 2, 2);
    expect(await kernelFiles(four)).toEqual(['conv_pixel']);
    await expectMatchesRef(four, { atol: 1e-4, rtol: 1e-4 }, 6);
    expect(await kernelFiles(pointwise(1, 256, 128, 1, 5, 3))).toEqual(['conv_gemm']);
    expect(await kernelFiles(pointwise(1, 40, 10, 1, 1, 4))).toEqual(['conv_gemm']);
    expect(await kernelFiles(convOf(1, 1, 1, 1))).toEqual(['conv_gemm']);
  });

  // conv_gemm packs a lone tile's pixels into its first PS invocations: 1, 15, 16, 17, 80 (a
  // 1/16-scale plane), 255 pixels; 256 and 340 (more than one tile) keep PS = WG.
  for (const [n, h, w] of [
    [1, 1, 1],
    [1, 3, 5],
    [1, 4, 4],
    [1, 1, 17],
    [1, 8, 10],
    [3, 5, 17],
    [1, 16, 16],
    [2, 10, 17],
  ] as const) {
    it(`conv_gemm at ${n}×${h}×${w} = ${n * h * w} pixels`, async () => {
      tuning.fewPixels = 0;
      const g = convOf(n, h, w, 10 + h * w);
      expect(await kernelFiles(g)).toEqual(['conv_gemm']);
      await expectMatchesRef(g, { atol: 1e-5, rtol: 1e-4 }, h * w);
    });
  }
});

describe.skipIf(skip !== undefined)('webgpu depthwise_row (3- and 5-wide) vs ref', () => {
  // The row kernel is the upgrade of a depthwise.wgsl step in the tiered start-up: off here.
  beforeAll(() => {
    tuning.tiered = false;
  });
  afterAll(() => {
    tuning.tiered = undefined;
  });
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
    {
      name: '5x5 dil 2 pad 4 at 8x10 + HardSwish (MobileNetV3 at 1/16 scale)',
      x: [1, 7, 8, 10],
      w: [7, 1, 5, 5],
      attrs: { group: 7, dilations: [2, 2], pads: [4, 4, 4, 4], activation: 'HardSwish' },
    },
    {
      name: '5x5 pad 2, stride (2, 1), 2 batch items, 19 wide + Relu',
      x: [2, 3, 9, 19],
      w: [3, 1, 5, 5],
      attrs: { group: 3, pads: [2, 2, 2, 2], strides: [2, 1], activation: 'Relu' },
    },
    {
      name: '3x5, no pads, width 6 (narrower than a row group)',
      x: [1, 4, 5, 6],
      w: [4, 1, 3, 5],
      attrs: { group: 4 },
    },
    { name: '1-D k5 dil 3', x: [1, 5, 41], w: [5, 1, 5], attrs: { group: 5, dilations: [3], pads: [6, 5] } },
  ];
  DW.forEach((c, i) => {
    it(c.name, async () => {
      const used = await check(c, 200 + i);
      expect(kernelStems(used)).toEqual(['depthwise_row']);
    });
  });

  it('every activation; none, Relu, Clip, HardSigmoid and HardSwish share one pipeline', async () => {
    const b = new GraphBuilder('dw_acts', { seed: 230 });
    const x = b.input('x', [1, 4, 6, 11]);
    const acts: [string, number[]][] = [
      ['', []],
      ['Relu', []],
      ['Clip', [-0.3, 0.4]],
      ['HardSigmoid', [0.3, 0.45]],
      ['HardSwish', []],
      ['Sigmoid', []],
      ['Tanh', []],
      ['LeakyRelu', [0.15]],
    ];
    b.output(
      ...acts.map(([activation, params], i) =>
        b.op('Conv', [x, b.param(`w${i}`, [4, 1, 3, 3]), b.param(`b${i}`, [4])], {
          group: 4,
          pads: [1, 1, 1, 1],
          ...(activation ? { activation, activation_params: params } : {}),
        }),
      ),
    );
    const uses = await expectMatchesRef(b.build(), { atol: 1e-5, rtol: 1e-4 }, 231);
    expect(kernelStems(uses).every((s) => s === 'depthwise_row')).toBe(true);
    // ACT 0 (the shared clamp form) for the first five, 3, 6, 7 for the others.
    expect(uses.map((u) => u.overrides.ACT)).toEqual([0, 0, 0, 0, 0, 3, 6, 7]);
  });
});
