import { describe, expect, it } from 'vitest';
import { OPS } from '../../src/engine/ops/index.js';
import { Session } from '../../src/engine/session.js';
import { Tensor } from '../../src/engine/tensor.js';
import { GraphValidationError, ShapeError, UnsupportedAttributeError } from '../../src/errors.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import type { Attrs, Dim } from '../../src/graph/ir.js';
import type { OpType } from '../../src/graph/op-types.js';
import { rand } from '../helpers/ops.js';
import { expectMatchesOrt } from '../helpers/ort.js';

async function run(op: OpType, x: Tensor, attrs: Attrs): Promise<number[]> {
  const g = new GraphBuilder('pool');
  g.output(g.op(op, [g.input('x', [...x.dims])], attrs));
  const s = await Session.create(g.build(), { optimize: false });
  return Array.from((Object.values(await s.run({ x }))[0] as Tensor).data as Float32Array);
}

describe('pools (hand-computed)', () => {
  const x = Tensor.fromNumbers('float32', [1, 1, 3, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9]);

  it('MaxPool 2x2 stride 1, and with ceil_mode stride 2', async () => {
    expect(await run('MaxPool', x, { kernel_shape: [2, 2] })).toEqual([5, 6, 8, 9]);
    expect(await run('MaxPool', x, { kernel_shape: [2, 2], strides: [2, 2] })).toEqual([5]);
    expect(await run('MaxPool', x, { kernel_shape: [2, 2], strides: [2, 2], ceil_mode: 1 })).toEqual([
      5, 6, 8, 9,
    ]);
  });

  it('MaxPool padding never wins; dilation skips', async () => {
    const neg = Tensor.fromNumbers('float32', [1, 1, 1, 3], [-1, -2, -3]);
    expect(await run('MaxPool', neg, { kernel_shape: [1, 2], pads: [0, 1, 0, 1] })).toEqual([-1, -1, -2, -3]);
    expect(await run('MaxPool', x, { kernel_shape: [2, 2], dilations: [2, 2] })).toEqual([9]);
  });

  it('AveragePool count_include_pad on and off', async () => {
    const attrs = { kernel_shape: [2, 2], pads: [1, 1, 0, 0] };
    // Top-left window covers 3 pads and x[0,0] = 1.
    expect((await run('AveragePool', x, attrs))[0]).toBe(1);
    expect((await run('AveragePool', x, { ...attrs, count_include_pad: 1 }))[0]).toBe(0.25);
  });

  it('AveragePool with ceil_mode divides by what is inside input + pads', async () => {
    // 3 wide, k 2, s 2, ceil: windows [0,1] and [2,3) — the second holds x[2] only.
    const row = Tensor.fromNumbers('float32', [1, 1, 3], [1, 2, 4]);
    expect(await run('AveragePool', row, { kernel_shape: [2], strides: [2], ceil_mode: 1 })).toEqual([
      1.5, 4,
    ]);
    expect(
      await run('AveragePool', row, { kernel_shape: [2], strides: [2], ceil_mode: 1, count_include_pad: 1 }),
    ).toEqual([1.5, 4]);
  });

  it('GlobalAveragePool over any rank >= 3', async () => {
    expect(await run('GlobalAveragePool', x, {})).toEqual([5]);
    const x5 = Tensor.fromNumbers('float32', [1, 2, 2, 1, 2], [1, 2, 3, 4, 10, 20, 30, 40]);
    expect(await run('GlobalAveragePool', x5, {})).toEqual([2.5, 25]);
  });
});

describe('pool shape inference and errors', () => {
  const infer = (op: 'MaxPool' | 'AveragePool' | 'GlobalAveragePool', x: Dim[], attrs: Attrs = {}) =>
    OPS[op].inferShape({ name: 'p', op, inputs: ['x'], outputs: ['y'], attrs }, [
      { dtype: 'float32', shape: x },
    ])[0]?.shape;

  it('output sizes', () => {
    expect(
      infer('MaxPool', [1, 3, 112, 112], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }),
    ).toEqual([1, 3, 56, 56]);
    expect(infer('MaxPool', [1, 3, 6, 7], { kernel_shape: [3, 3], strides: [2, 2], ceil_mode: 1 })).toEqual([
      1, 3, 3, 3,
    ]);
    // ceil_mode drops a window that would start in the end padding.
    expect(
      infer('MaxPool', [1, 1, 5], { kernel_shape: [2], strides: [2], pads: [1, 1], ceil_mode: 1 }),
    ).toEqual([1, 1, 3]);
    expect(
      infer('AveragePool', [1, 3, 7, 8], { kernel_shape: [3, 3], strides: [2, 2], auto_pad: 'SAME_UPPER' }),
    ).toEqual([1, 3, 4, 4]);
    expect(infer('AveragePool', ['N', 'C', 'H', 9], { kernel_shape: [2, 2], strides: [2, 2] })).toEqual([
      'N',
      'C',
      'p_d2',
      4,
    ]);
    expect(infer('GlobalAveragePool', ['N', 8, 'H', 'W'])).toEqual(['N', 8, 1, 1]);
    expect(infer('GlobalAveragePool', [2, 8, 3, 4, 5])).toEqual([2, 8, 1, 1, 1]);
  });

  it('rank and attribute errors', () => {
    expect(() => infer('GlobalAveragePool', [2, 8])).toThrow(ShapeError);
    expect(() => infer('MaxPool', [1, 3, 4, 4, 4], { kernel_shape: [2, 2, 2] })).toThrow(
      /only 1-D .* and 2-D/,
    );
    expect(() => infer('MaxPool', [1, 3, 4, 4], { kernel_shape: [2] })).toThrow(UnsupportedAttributeError);
    expect(() => infer('MaxPool', [1, 3, 4, 4], { kernel_shape: [5, 5] })).toThrow(
      /smaller than the \(dilated\) kernel/,
    );
  });

  it('MaxPool: storage_order 1 and the Indices output are rejected clearly', () => {
    const g = new GraphBuilder('so');
    g.output(g.op('MaxPool', [g.input('x', [1, 1, 4, 4])], { kernel_shape: [2, 2], storage_order: 1 }));
    expect(() => g.build()).toThrow(/storage_order.*supported: 0/);
    const h = new GraphBuilder('idx');
    const [y] = h.ops('MaxPool', [h.input('x', [1, 1, 4, 4])], { kernel_shape: [2, 2] }, 2);
    h.output(y as string);
    expect(() => h.build()).toThrow(UnsupportedAttributeError);
    expect(() => h.build()).toThrow(/Indices.*not supported/);
    const k = new GraphBuilder('nokernel');
    k.output(k.op('MaxPool', [k.input('x', [1, 1, 4, 4])], {}));
    expect(() => k.build()).toThrow(/kernel_shape.*required/);
    const m = new GraphBuilder('three');
    m.ops('MaxPool', [m.input('x', [1, 1, 4, 4])], { kernel_shape: [2, 2] }, 3);
    expect(() => m.build()).toThrow(GraphValidationError);
  });
});

interface Case {
  label: string;
  op: 'MaxPool' | 'AveragePool';
  x: number[];
  attrs: Attrs;
  /** Declare H, W symbolic: ORT's static ONNX shape inference predates onnx/onnx#5741 (its kernel follows it). */
  symbolic?: boolean;
}

const CASES: Case[] = [
  {
    label: 'max 3x3 s2 p1 (ResNet stem)',
    op: 'MaxPool',
    x: [2, 3, 13, 12],
    attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] },
  },
  {
    label: 'max 2x2 s2 odd size',
    op: 'MaxPool',
    x: [1, 4, 7, 9],
    attrs: { kernel_shape: [2, 2], strides: [2, 2] },
  },
  {
    label: 'max ceil_mode',
    op: 'MaxPool',
    x: [1, 2, 7, 9],
    attrs: { kernel_shape: [3, 3], strides: [2, 2], ceil_mode: 1 },
  },
  {
    label: 'max ceil_mode with pads',
    op: 'MaxPool',
    x: [1, 2, 8, 7],
    attrs: { kernel_shape: [3, 2], strides: [3, 2], pads: [1, 1, 1, 1], ceil_mode: 1 },
    symbolic: true,
  },
  {
    label: 'max dilation 2',
    op: 'MaxPool',
    x: [1, 2, 9, 8],
    attrs: { kernel_shape: [2, 3], dilations: [2, 2], pads: [1, 1, 1, 1] },
  },
  {
    label: 'max stride 3 asymmetric pads',
    op: 'MaxPool',
    x: [1, 3, 10, 11],
    attrs: { kernel_shape: [3, 3], strides: [3, 3], pads: [0, 2, 1, 0] },
  },
  {
    label: 'max SAME_UPPER',
    op: 'MaxPool',
    x: [1, 2, 7, 8],
    attrs: { kernel_shape: [2, 3], strides: [2, 2], auto_pad: 'SAME_UPPER' },
  },
  {
    label: 'max SAME_LOWER',
    op: 'MaxPool',
    x: [1, 2, 7, 8],
    attrs: { kernel_shape: [2, 3], strides: [2, 2], auto_pad: 'SAME_LOWER' },
  },
  {
    label: 'max VALID',
    op: 'MaxPool',
    x: [1, 2, 7, 8],
    attrs: { kernel_shape: [3, 3], strides: [2, 2], auto_pad: 'VALID' },
  },
  {
    label: 'max 1-D',
    op: 'MaxPool',
    x: [2, 3, 11],
    attrs: { kernel_shape: [3], strides: [2], pads: [1, 1] },
  },
  { label: 'max size-1 spatial', op: 'MaxPool', x: [1, 5, 1, 1], attrs: { kernel_shape: [1, 1] } },
  {
    label: 'avg 2x2 s2',
    op: 'AveragePool',
    x: [2, 3, 8, 6],
    attrs: { kernel_shape: [2, 2], strides: [2, 2] },
  },
  {
    label: 'avg pads exclude',
    op: 'AveragePool',
    x: [1, 2, 7, 9],
    attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] },
  },
  {
    label: 'avg pads include',
    op: 'AveragePool',
    x: [1, 2, 7, 9],
    attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1], count_include_pad: 1 },
  },
  {
    label: 'avg asymmetric pads include',
    op: 'AveragePool',
    x: [1, 2, 7, 9],
    attrs: { kernel_shape: [3, 2], strides: [2, 3], pads: [2, 0, 0, 1], count_include_pad: 1 },
  },
  {
    label: 'avg ceil_mode exclude',
    op: 'AveragePool',
    x: [1, 2, 7, 8],
    attrs: { kernel_shape: [3, 3], strides: [2, 3], ceil_mode: 1 },
  },
  {
    label: 'avg ceil_mode include with pads',
    op: 'AveragePool',
    x: [1, 2, 8, 7],
    attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], ceil_mode: 1, count_include_pad: 1 },
  },
  {
    label: 'avg SAME_UPPER exclude',
    op: 'AveragePool',
    x: [1, 2, 7, 8],
    attrs: { kernel_shape: [3, 3], strides: [2, 2], auto_pad: 'SAME_UPPER' },
  },
  {
    label: 'avg SAME_LOWER include',
    op: 'AveragePool',
    x: [1, 2, 7, 8],
    attrs: { kernel_shape: [2, 2], strides: [2, 2], auto_pad: 'SAME_LOWER', count_include_pad: 1 },
  },
  {
    label: 'avg 1-D',
    op: 'AveragePool',
    x: [1, 4, 9],
    attrs: { kernel_shape: [4], strides: [3], pads: [2, 1], count_include_pad: 1 },
  },
];

describe('pools vs onnxruntime', () => {
  CASES.forEach((c, i) => {
    it(c.label, async () => {
      const g = new GraphBuilder(`pool_${i}`, { opset: 17 });
      const declared = c.symbolic ? [...c.x.slice(0, 2), 'H', 'W'] : c.x;
      g.output(g.op(c.op, [g.input('x', declared)], c.attrs));
      await expectMatchesOrt(g.build(), { x: rand(c.x, 300 + i) }, { atol: 1e-6, rtol: 1e-5 });
    });
  });

  it('GlobalAveragePool 4-D and 3-D', async () => {
    for (const dims of [
      [2, 5, 7, 3],
      [3, 4, 11],
      [1, 1, 1, 1],
    ]) {
      const g = new GraphBuilder('gap', { opset: 17 });
      g.output(g.op('GlobalAveragePool', [g.input('x', dims)]));
      await expectMatchesOrt(g.build(), { x: rand(dims, 7) }, { atol: 1e-6, rtol: 1e-5 });
    }
  });
});
