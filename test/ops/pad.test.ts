import { describe, expect, it } from 'vitest';
import { OPS } from '../../src/engine/ops/index.js';
import type { ValueInfo } from '../../src/engine/ops/types.js';
import { Session } from '../../src/engine/session.js';
import { Tensor } from '../../src/engine/tensor.js';
import { ShapeError, UnsupportedAttributeError } from '../../src/errors.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import type { Attrs, Dim } from '../../src/graph/ir.js';
import { rand } from '../helpers/ops.js';
import { expectMatchesOrt } from '../helpers/ort.js';

/** A Pad graph: pads (and optionally constant_value / axes) as constant inputs. */
function padGraph(
  dims: Dim[],
  pads: number[],
  attrs: Attrs = {},
  value?: number,
  axes?: number[],
  opset = 18,
) {
  const g = new GraphBuilder('pad', { opset });
  const ins = [g.input('x', dims), g.ints('pads', pads)];
  if (value !== undefined || axes)
    ins.push(value === undefined ? '' : g.constant('v', Tensor.scalar('float32', value)));
  if (axes) ins.push(g.ints('axes', axes));
  g.output(g.op('Pad', ins, attrs));
  return g.build();
}

async function run(graph: ReturnType<typeof padGraph>, x: Tensor): Promise<Tensor> {
  const s = await Session.create(graph, { optimize: false });
  return Object.values(await s.run({ x }))[0] as Tensor;
}

describe('Pad (hand-computed)', () => {
  const x = Tensor.fromNumbers('float32', [1, 4], [1, 2, 3, 4]);

  it('constant, reflect, edge', async () => {
    expect((await run(padGraph([1, 4], [0, 2, 0, 1], {}, 9), x)).toNumbers()).toEqual([9, 9, 1, 2, 3, 4, 9]);
    expect((await run(padGraph([1, 4], [0, 2, 0, 1], { mode: 'reflect' }), x)).toNumbers()).toEqual([
      3, 2, 1, 2, 3, 4, 3,
    ]);
    expect((await run(padGraph([1, 4], [0, 2, 0, 1], { mode: 'edge' }), x)).toNumbers()).toEqual([
      1, 1, 1, 2, 3, 4, 4,
    ]);
  });

  it('negative pads crop (before edge/reflect read the border)', async () => {
    expect((await run(padGraph([1, 4], [0, -1, 0, 2]), x)).toNumbers()).toEqual([2, 3, 4, 0, 0]);
    expect((await run(padGraph([1, 4], [0, -1, 0, 1], { mode: 'reflect' }), x)).toNumbers()).toEqual([
      2, 3, 4, 3,
    ]);
    expect((await run(padGraph([1, 4], [0, 1, 0, -2], { mode: 'edge' }), x)).toNumbers()).toEqual([1, 1, 2]);
  });

  it('axes input (opset 18) and negative axes', async () => {
    const y = await run(padGraph([1, 4], [1, 0], {}, 5, [-1]), x);
    expect([...y.dims]).toEqual([1, 5]);
    expect(y.toNumbers()).toEqual([5, 1, 2, 3, 4]);
  });

  it('opset 2 attribute form: pads and value attributes', async () => {
    const g = new GraphBuilder('pad2', { opset: 10 });
    g.output(g.op('Pad', [g.input('x', [1, 4])], { pads: [1, 0, 0, 1], value: -1 }));
    const y = await run(g.build(), x);
    expect([...y.dims]).toEqual([2, 5]);
    expect(y.toNumbers()).toEqual([-1, -1, -1, -1, -1, 1, 2, 3, 4, -1]);
  });

  it('int64 data (shape math) keeps its dtype', async () => {
    const g = new GraphBuilder('padint');
    g.output(
      g.op('Pad', [
        g.input('x', [3], 'int64'),
        g.ints('pads', [1, 1]),
        g.constant('v', Tensor.scalar('int64', 7)),
      ]),
    );
    const s = await Session.create(g.build(), { optimize: false });
    const y = Object.values(await s.run({ x: Tensor.fromNumbers('int64', [3], [1, 2, 3]) }))[0] as Tensor;
    expect(y.dtype).toBe('int64');
    expect(y.toNumbers()).toEqual([7, 1, 2, 3, 7]);
  });
});

describe('Pad shape inference and errors', () => {
  const info = (shape: Dim[], value?: number[]): ValueInfo =>
    value
      ? { dtype: 'int64', shape, value: Tensor.fromNumbers('int64', shape as number[], value) }
      : { dtype: 'int64', shape };
  const infer = (x: Dim[], pads: ValueInfo, attrs: Attrs = {}) =>
    OPS.Pad.inferShape({ name: 'p', op: 'Pad', inputs: ['x', 'pads'], outputs: ['y'], attrs }, [
      { dtype: 'float32', shape: x },
      pads,
    ])[0]?.shape;

  it('known and unknown pads', () => {
    expect(infer([1, 3, 'H', 5], info([8], [0, 0, 0, 1, 0, 0, 0, 2]))).toEqual([1, 3, 'H', 8]);
    expect(infer([1, 3, 'H', 5], info([8], [0, 0, 1, 0, 0, 0, 1, 0]))).toEqual([1, 3, 'p_d2', 5]);
    expect(infer([1, 3, 4, 5], info([8]))).toEqual(['p_d0', 'p_d1', 'p_d2', 'p_d3']);
  });

  it('errors', () => {
    expect(() => infer([1, 3], info([3], [0, 1, 1]))).toThrow(ShapeError);
    expect(() => infer([1, 3], info([3], [0, 1, 1]))).toThrow(/pads has 3 values, expected 4/);
    expect(() => infer([1, 3], info([4], [0, -2, 0, -2]))).toThrow(/axis 1 of size 3 cannot be cropped/);
    // edge / reflect read the cropped window: one cropped away entirely is refused at build time,
    // before any backend runs (constant padding has nothing to read, so it may).
    for (const mode of ['edge', 'reflect']) {
      expect(() => padGraph([1, 4], [0, -4, 0, 2], { mode })).toThrow(ShapeError);
      expect(() => padGraph([1, 4], [0, -4, 0, 2], { mode })).toThrow(
        new RegExp(`${mode} padding needs a non-empty axis 1, but pads -4, 2 crop all 4 of it`),
      );
    }
    expect(padGraph([1, 4], [0, -4, 0, 2]).outputs[0]?.shape).toEqual([1, 2]);
    expect(() => padGraph([1, 4], [0, 1, 0, 1], { mode: 'wrap' })).toThrow(UnsupportedAttributeError);
    expect(() => padGraph([1, 4], [0, 1, 0, 1], { mode: 'wrap' })).toThrow(
      /supported: "constant", "reflect", "edge"/,
    );
  });
});

describe('Pad vs onnxruntime', () => {
  const cases: {
    label: string;
    dims: number[];
    pads: number[];
    mode: string;
    value?: number;
    axes?: number[];
  }[] = [
    {
      label: 'constant 0, NCHW spatial',
      dims: [1, 3, 5, 4],
      pads: [0, 0, 1, 2, 0, 0, 2, 1],
      mode: 'constant',
    },
    { label: 'constant value', dims: [2, 3, 4], pads: [0, 1, 2, 1, 0, 3], mode: 'constant', value: -2.5 },
    { label: 'reflect', dims: [1, 2, 5, 6], pads: [0, 0, 2, 3, 0, 0, 4, 1], mode: 'reflect' },
    { label: 'edge', dims: [1, 2, 5, 6], pads: [0, 0, 3, 1, 0, 0, 0, 4], mode: 'edge' },
    {
      label: 'constant, negative pads',
      dims: [1, 2, 6, 7],
      pads: [0, 0, -2, 1, 0, 0, 1, -3],
      mode: 'constant',
    },
    { label: 'edge, negative pads', dims: [2, 6, 5], pads: [0, -1, 2, 0, 2, -2], mode: 'edge' },
    { label: 'reflect, negative pads', dims: [1, 7, 6], pads: [0, -2, 1, 0, 1, -1], mode: 'reflect' },
    { label: 'size-1 axis, constant', dims: [1, 1, 1], pads: [0, 2, 1, 0, 1, 2], mode: 'constant' },
    { label: 'axes input', dims: [1, 2, 5, 6], pads: [1, 2, 3, 0], mode: 'reflect', axes: [2, -1] },
  ];
  cases.forEach((c, i) => {
    it(c.label, async () => {
      const g = padGraph(c.dims, c.pads, { mode: c.mode }, c.value, c.axes);
      await expectMatchesOrt(g, { x: rand(c.dims, 900 + i) }, { atol: 0, rtol: 0 });
    });
  });
});
