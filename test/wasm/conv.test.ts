import { describe, expect, it } from 'vitest';
import { winogradApplies } from '../../src/engine/backends/wasm/winograd.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import { expectWasmMatchesRef, Rng, randomInput } from './ref-oracle.js';

/**
 * Conv and ConvTranspose on the WASM backend against the ref backend: channels not divisible by
 * 4 or 8, size-1 and odd spatial dims, dilation > padding, groups, depthwise, fused activations.
 */
interface ConvCase {
  c: number;
  m: number;
  h: number;
  w: number;
  k: [number, number];
  stride?: [number, number];
  dil?: [number, number];
  pads?: [number, number, number, number];
  group?: number;
  act?: [string, number[]];
  bias?: boolean;
}

const CONV_CASES: ConvCase[] = [
  { c: 3, m: 5, h: 7, w: 9, k: [3, 3], pads: [1, 1, 1, 1] },
  { c: 13, m: 9, h: 11, w: 6, k: [3, 3], dil: [3, 3], pads: [1, 2, 2, 1] },
  { c: 8, m: 16, h: 1, w: 1, k: [1, 1] },
  { c: 5, m: 17, h: 1, w: 13, k: [1, 3], pads: [0, 1, 0, 1], act: ['Relu', []] },
  { c: 6, m: 10, h: 9, w: 9, k: [3, 3], stride: [2, 2], pads: [1, 1, 1, 1], group: 2, act: ['Clip', [0, 6]] },
  { c: 12, m: 12, h: 8, w: 7, k: [3, 3], dil: [2, 2], pads: [2, 2, 2, 2], group: 12, act: ['HardSwish', []] },
  {
    c: 7,
    m: 7,
    h: 9,
    w: 11,
    k: [3, 3],
    dil: [4, 4],
    pads: [1, 1, 1, 1],
    group: 7,
    act: ['LeakyRelu', [0.1]],
  },
  { c: 9, m: 9, h: 10, w: 10, k: [5, 5], stride: [2, 2], pads: [2, 2, 2, 2], group: 9, bias: false },
  { c: 16, m: 8, h: 6, w: 5, k: [7, 1], pads: [3, 0, 3, 0], act: ['Sigmoid', []] },
  { c: 4, m: 6, h: 5, w: 5, k: [2, 2], stride: [3, 2], act: ['Tanh', []] },
  { c: 6, m: 9, h: 7, w: 8, k: [3, 3], group: 3, pads: [1, 1, 1, 1], act: ['HardSigmoid', [0.2, 0.5]] },
  { c: 20, m: 33, h: 9, w: 17, k: [3, 3], dil: [6, 6], pads: [6, 6, 6, 6] },
  { c: 37, m: 37, h: 9, w: 8, k: [3, 3], dil: [2, 2], pads: [1, 2, 2, 1], group: 37, act: ['Relu', []] },
  { c: 32, m: 32, h: 6, w: 11, k: [3, 3], stride: [2, 2], pads: [1, 1, 1, 1], group: 32 },
];

function describeCase(t: ConvCase): string {
  return `${t.c}->${t.m} @${t.h}x${t.w} k${t.k} s${t.stride ?? 1} d${t.dil ?? 1} p${t.pads ?? 0} g${t.group ?? 1} ${t.act?.[0] ?? ''}`;
}

describe('WASM Conv vs ref', () => {
  CONV_CASES.forEach((t, i) => {
    it(describeCase(t), async () => {
      const rng = new Rng(100 + i);
      const b = new GraphBuilder('conv', { seed: 200 + i });
      const x = b.input('x', [2, t.c, t.h, t.w]);
      const group = t.group ?? 1;
      const inputs = [x, b.param('w', [t.m, t.c / group, ...t.k])];
      if (t.bias !== false) inputs.push(b.param('b', [t.m]));
      const attrs: Record<string, number[] | number | string> = {
        kernel_shape: t.k,
        strides: t.stride ?? [1, 1],
        dilations: t.dil ?? [1, 1],
        pads: t.pads ?? [0, 0, 0, 0],
        group,
      };
      if (t.act) {
        attrs.activation = t.act[0];
        attrs.activation_params = t.act[1];
      }
      b.output(b.op('Conv', inputs, attrs));
      await expectWasmMatchesRef(b, { x: randomInput(rng, [2, t.c, t.h, t.w]) }, describeCase(t), 2e-5);
    });
  });

  it('1-D conv (N, C, L) with groups and dilation', async () => {
    const b = new GraphBuilder('conv1d', { seed: 5 });
    const x = b.input('x', [1, 6, 19]);
    b.output(
      b.op('Conv', [x, b.param('w', [10, 3, 3]), b.param('b', [10])], {
        kernel_shape: [3],
        dilations: [2],
        pads: [1, 3],
        group: 2,
      }),
    );
    await expectWasmMatchesRef(b, { x: randomInput(new Rng(6), [1, 6, 19]) }, 'conv1d');
  });
});

interface ConvTCase {
  c: number;
  m: number;
  h: number;
  w: number;
  k: [number, number];
  stride: [number, number];
  pads?: [number, number, number, number];
  outPad?: [number, number];
  dil?: [number, number];
  group?: number;
}

const CONVT_CASES: ConvTCase[] = [
  { c: 4, m: 6, h: 5, w: 7, k: [4, 4], stride: [2, 2], pads: [1, 1, 1, 1] },
  { c: 3, m: 5, h: 1, w: 1, k: [3, 3], stride: [2, 2] },
  { c: 6, m: 9, h: 4, w: 5, k: [3, 3], stride: [3, 2], pads: [1, 0, 0, 1], outPad: [2, 1] },
  { c: 8, m: 4, h: 6, w: 3, k: [2, 3], stride: [1, 1], dil: [2, 3], group: 2 },
  { c: 10, m: 10, h: 5, w: 5, k: [16, 16], stride: [8, 8], pads: [4, 4, 4, 4], group: 1 },
];

describe('WASM ConvTranspose (sub-pixel phases) vs ref', () => {
  CONVT_CASES.forEach((t, i) => {
    const label = `${t.c}->${t.m} @${t.h}x${t.w} k${t.k} s${t.stride} p${t.pads ?? 0} op${t.outPad ?? 0} d${t.dil ?? 1} g${t.group ?? 1}`;
    it(label, async () => {
      const b = new GraphBuilder('convT', { seed: 300 + i });
      const x = b.input('x', [1, t.c, t.h, t.w]);
      const group = t.group ?? 1;
      b.output(
        b.op('ConvTranspose', [x, b.param('w', [t.c, t.m / group, ...t.k]), b.param('b', [t.m])], {
          kernel_shape: t.k,
          strides: t.stride,
          pads: t.pads ?? [0, 0, 0, 0],
          output_padding: t.outPad ?? [0, 0],
          dilations: t.dil ?? [1, 1],
          group,
        }),
      );
      await expectWasmMatchesRef(b, { x: randomInput(new Rng(400 + i), [1, t.c, t.h, t.w]) }, label, 2e-5);
    });
  });
});

describe('WASM Winograd F(2×2, 3×3) (stride-1 3×3 convs, plain and dilated)', () => {
  it('applies to ungrouped stride-1 3×3 convs with >= 8 channels, not to others', () => {
    const axis = (k: number, stride: number, dilation: number) => ({
      inSize: 16,
      out: 16,
      k,
      stride,
      dilation,
      padBegin: dilation,
      padEnd: dilation,
    });
    expect(winogradApplies(axis(3, 1, 6), axis(3, 1, 6), 1, 64, 64, 1 << 30)).toBe(true);
    expect(winogradApplies(axis(3, 2, 1), axis(3, 2, 1), 1, 64, 64, 1 << 30)).toBe(false);
    expect(winogradApplies(axis(3, 1, 1), axis(3, 1, 1), 2, 64, 64, 1 << 30)).toBe(false);
    expect(winogradApplies(axis(5, 1, 1), axis(5, 1, 1), 1, 64, 64, 1 << 30)).toBe(false);
  });

  // Winograd's error grows with the transform's constants: bounded here against the ref
  // (double accumulation) at 2e-5 absolute on outputs of magnitude ~1, with 64-channel sums.
  const cases: [number, number, number, number, number, number][] = [
    // c, m, h, w, dilation, pad
    [64, 32, 17, 15, 1, 1],
    [16, 13, 12, 19, 2, 2],
    [9, 20, 23, 11, 6, 6],
    [24, 8, 9, 9, 3, 1],
    [8, 8, 4, 5, 1, 0],
  ];
  for (const [c, m, h, w, d, p] of cases) {
    it(`${c}->${m} @${h}x${w} dilation ${d} pad ${p}, fused ReLU`, async () => {
      const b = new GraphBuilder('wino', { seed: c + m + d });
      const x = b.input('x', [1, c, h, w]);
      b.output(
        b.op('Conv', [x, b.param('w', [m, c, 3, 3], undefined, 1 / Math.sqrt(c)), b.param('b', [m])], {
          kernel_shape: [3, 3],
          dilations: [d, d],
          pads: [p, p, p, p],
          activation: 'Relu',
        }),
      );
      await expectWasmMatchesRef(b, { x: randomInput(new Rng(c * m), [1, c, h, w]) }, 'winograd', 2e-5);
    });
  }
});
