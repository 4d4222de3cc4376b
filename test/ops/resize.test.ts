import { describe, expect, it } from 'vitest';
import { OPS } from '../../src/engine/ops/index.js';
import type { ValueInfo } from '../../src/engine/ops/types.js';
import { Session } from '../../src/engine/session.js';
import { Tensor } from '../../src/engine/tensor.js';
import { ShapeError, UnsupportedAttributeError } from '../../src/errors.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import type { Attrs, Dim, Graph } from '../../src/graph/ir.js';
import { rand } from '../helpers/ops.js';
import { expectMatchesOrt } from '../helpers/ort.js';

interface Target {
  scales?: number[];
  sizes?: number[];
}

/** A Resize graph in the opset's input convention (opset 11: roi and scales present, possibly empty). */
function resizeGraph(dims: Dim[], target: Target, attrs: Attrs = {}, opset = 13): Graph {
  const g = new GraphBuilder('resize', { opset });
  const empty = (name: string) => g.constant(name, new Tensor('float32', [0]));
  const roi = opset < 13 ? empty('roi') : '';
  const scales = target.scales
    ? g.constant('scales', Tensor.fromNumbers('float32', [target.scales.length], target.scales))
    : opset < 13
      ? empty('scales')
      : '';
  const ins = [g.input('x', dims), roi, scales];
  if (target.sizes) ins.push(g.ints('sizes', target.sizes));
  g.output(g.op('Resize', ins, attrs));
  return g.build();
}

async function run(graph: Graph, x: Tensor): Promise<Tensor> {
  const s = await Session.create(graph, { optimize: false });
  return Object.values(await s.run({ x }))[0] as Tensor;
}

describe('Resize (hand-computed)', () => {
  const row = Tensor.fromNumbers('float32', [1, 1, 1, 2], [0, 4]);

  it('nearest x2, asymmetric / half_pixel', async () => {
    const up = { scales: [1, 1, 1, 2] };
    const asym = await run(
      resizeGraph([1, 1, 1, 2], up, { coordinate_transformation_mode: 'asymmetric' }),
      row,
    );
    expect(asym.toNumbers()).toEqual([0, 0, 4, 4]);
    // half_pixel x2: coordinates -0.25, 0.25, 0.75, 1.25 → round → 0, 0, 1, 1.
    expect((await run(resizeGraph([1, 1, 1, 2], up), row)).toNumbers()).toEqual([0, 0, 4, 4]);
  });

  it('linear: half_pixel, align_corners, asymmetric', async () => {
    const up = { scales: [1, 1, 1, 2] };
    expect((await run(resizeGraph([1, 1, 1, 2], up, { mode: 'linear' }), row)).toNumbers()).toEqual([
      0, 1, 3, 4,
    ]);
    const ac = await run(
      resizeGraph(
        [1, 1, 1, 2],
        { sizes: [1, 1, 1, 5] },
        { mode: 'linear', coordinate_transformation_mode: 'align_corners' },
      ),
      row,
    );
    expect(ac.toNumbers()).toEqual([0, 1, 2, 3, 4]);
    const asym = await run(
      resizeGraph([1, 1, 1, 2], up, { mode: 'linear', coordinate_transformation_mode: 'asymmetric' }),
      row,
    );
    expect(asym.toNumbers()).toEqual([0, 2, 4, 4]);
  });

  it('nearest_mode decides ties (asymmetric x 2/3 lands on 1.5)', async () => {
    const x = Tensor.fromNumbers('float32', [4], [10, 20, 30, 40]);
    // out 2 from 4 with sizes: scale 0.5, asymmetric coordinates 0, 2 — no ties; use scale 2/3 instead:
    // out = floor(4 * 2/3) = 2, coordinates 0 and 1.5.
    const pick = async (nearest_mode: string) =>
      (
        await run(
          resizeGraph(
            [4],
            { scales: [2 / 3] },
            { coordinate_transformation_mode: 'asymmetric', nearest_mode },
          ),
          x,
        )
      ).toNumbers();
    expect(await pick('round_prefer_floor')).toEqual([10, 20]);
    expect(await pick('round_prefer_ceil')).toEqual([10, 30]);
    expect(await pick('floor')).toEqual([10, 20]);
    expect(await pick('ceil')).toEqual([10, 30]);
  });

  it('Upsample (opset 9): scales input, asymmetric nearest and linear', async () => {
    const g = new GraphBuilder('up', { opset: 9 });
    const sc = g.constant('s', Tensor.fromNumbers('float32', [4], [1, 1, 1, 2]));
    g.output(
      g.op('Upsample', [g.input('x', [1, 1, 1, 2]), sc]),
      g.op('Upsample', ['x', sc], { mode: 'linear' }),
    );
    const s = await Session.create(g.build(), { optimize: false });
    const [near, lin] = Object.values(await s.run({ x: row })) as [Tensor, Tensor];
    expect(near.toNumbers()).toEqual([0, 0, 4, 4]);
    expect(lin.toNumbers()).toEqual([0, 2, 4, 4]);
  });

  it('Upsample (opset 7): scales attribute', async () => {
    const g = new GraphBuilder('up7', { opset: 7 });
    g.output(g.op('Upsample', [g.input('x', [1, 1, 1, 2])], { scales: [1, 1, 2, 3] }));
    const y = await run(g.build(), row);
    expect([...y.dims]).toEqual([1, 1, 2, 6]);
    expect(y.toNumbers()).toEqual([0, 0, 0, 4, 4, 4, 0, 0, 0, 4, 4, 4]);
  });
});

describe('Resize shape inference and errors', () => {
  const f32 = (values: number[]): ValueInfo => ({
    dtype: 'float32',
    shape: [values.length],
    value: Tensor.fromNumbers('float32', [values.length], values),
  });
  const i64 = (values: number[]): ValueInfo => ({
    dtype: 'int64',
    shape: [values.length],
    value: Tensor.fromNumbers('int64', [values.length], values),
  });
  const infer = (x: Dim[], scales?: ValueInfo, sizes?: ValueInfo, attrs: Attrs = {}) =>
    OPS.Resize.inferShape({ name: 'r', op: 'Resize', inputs: ['x', '', 's', 'z'], outputs: ['y'], attrs }, [
      { dtype: 'float32', shape: x },
      undefined,
      scales,
      sizes,
    ])[0]?.shape;

  it('floor(in * scale) from constant scales; sizes; empty scales next to sizes', () => {
    expect(infer([1, 3, 7, 5], f32([1, 1, 1.5, 0.5]))).toEqual([1, 3, 10, 2]);
    expect(infer([1, 3, 10, 10], f32([1, 1, 0.6, 2.7]))).toEqual([1, 3, 6, 27]);
    expect(infer([1, 3, 7, 5], { dtype: 'float32', shape: [0] }, i64([1, 3, 14, 9]))).toEqual([1, 3, 14, 9]);
    expect(infer([1, 3, 7, 5], { dtype: 'float32', shape: [4] })).toEqual(['r_d0', 'r_d1', 'r_d2', 'r_d3']);
    // Symbolic input: scale-1 axes keep their name, sizes give numbers, scaled symbolic axes get fresh names.
    expect(infer(['N', 3, 'H', 'W'], f32([1, 1, 2, 2]))).toEqual(['N', 3, 'r_d2', 'r_d3']);
    expect(infer(['N', 3, 'H', 'W'], undefined, i64([1, 3, 64, 32]))).toEqual([1, 3, 64, 32]);
  });

  it('opset 18: axes and keep_aspect_ratio_policy', () => {
    expect(infer([1, 3, 8, 6], f32([2, 3]), undefined, { axes: [2, 3] })).toEqual([1, 3, 16, 18]);
    expect(
      infer([1, 3, 8, 6], undefined, i64([4, 4]), { axes: [-2, -1], keep_aspect_ratio_policy: 'not_larger' }),
    ).toEqual([1, 3, 4, 3]);
    expect(
      infer([1, 3, 8, 6], undefined, i64([4, 4]), { axes: [2, 3], keep_aspect_ratio_policy: 'not_smaller' }),
    ).toEqual([1, 3, 5, 4]);
  });

  it('bad scales/sizes', () => {
    expect(() => infer([1, 3, 7, 5], f32([1, 2]))).toThrow(/scales has 2 values, expected 4/);
    expect(() => infer([1, 3, 7, 5], f32([1, 1, 2, 2]), i64([1, 3, 14, 10]))).toThrow(
      /either scales or sizes/,
    );
    expect(() => infer([1, 3, 7, 5])).toThrow(ShapeError);
    expect(() => infer([1, 3, 7, 5], f32([1, 1, 0, 2]))).toThrow(/must be > 0/);
    // An empty axis has nothing to interpolate from: sizes may keep it empty, not grow it.
    expect(() => infer([0, 3, 7, 5], undefined, i64([1, 3, 14, 10]), { mode: 'linear' })).toThrow(
      /sizes\[0\] = 1: axis 0 is empty, it resizes only to 0/,
    );
    expect(infer([0, 3, 7, 5], undefined, i64([0, 3, 14, 10]))).toEqual([0, 3, 14, 10]);
  });

  it('linear scaling N or C is rejected, nearest may', () => {
    expect(() => infer([1, 3, 4, 4], f32([1, 2, 2, 2]), undefined, { mode: 'linear' })).toThrow(
      UnsupportedAttributeError,
    );
    expect(() => infer([1, 3, 4, 4], f32([1, 2, 2, 2]), undefined, { mode: 'linear' })).toThrow(/axes \[1\]/);
    expect(infer([1, 3, 4, 4], f32([1, 2, 2, 2]))).toEqual([1, 6, 8, 8]);
  });

  it('unsupported modes name the supported ones', () => {
    expect(() => resizeGraph([1, 1, 4, 4], { scales: [1, 1, 2, 2] }, { mode: 'cubic' })).toThrow(
      UnsupportedAttributeError,
    );
    expect(() => resizeGraph([1, 1, 4, 4], { scales: [1, 1, 2, 2] }, { mode: 'cubic' })).toThrow(
      /mode' = "cubic" is not supported; supported: "nearest", "linear"/,
    );
    expect(() =>
      resizeGraph(
        [1, 1, 4, 4],
        { scales: [1, 1, 2, 2] },
        { coordinate_transformation_mode: 'tf_crop_and_resize' },
      ),
    ).toThrow(/supported: "half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric"/);
    expect(() => resizeGraph([1, 1, 4, 4], { scales: [1, 1, 2, 2] }, { antialias: 1 })).toThrow(/antialias/);
  });

  it('Upsample only enlarges', () => {
    const g = new GraphBuilder('down', { opset: 9 });
    g.output(
      g.op('Upsample', [
        g.input('x', [1, 1, 4, 4]),
        g.constant('s', Tensor.fromNumbers('float32', [4], [1, 1, 0.5, 1])),
      ]),
    );
    expect(() => g.build()).toThrow(/must all be >= 1/);
  });
});

const COORDS = ['half_pixel', 'pytorch_half_pixel', 'align_corners', 'asymmetric'] as const;
const NEAREST = ['round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil'] as const;
// Up and down, integer and fractional, scales and sizes; the [1, 1, 1, 1] row hits out = 1.
const TARGETS: { label: string; dims: number[]; t: Target }[] = [
  { label: 'scales x2', dims: [1, 2, 5, 4], t: { scales: [1, 1, 2, 2] } },
  { label: 'scales 1.5 / 0.6', dims: [2, 1, 7, 10], t: { scales: [1, 1, 1.5, 0.6] } },
  { label: 'scales 0.5 / 3', dims: [1, 2, 8, 3], t: { scales: [1, 1, 0.5, 3] } },
  { label: 'sizes 11 x 4 from 7 x 9', dims: [1, 2, 7, 9], t: { sizes: [1, 2, 11, 4] } },
  { label: 'sizes to 1 x 5', dims: [1, 1, 6, 2], t: { sizes: [1, 1, 1, 5] } },
];

describe('Resize vs onnxruntime', () => {
  let seed = 1000;
  for (const coord of COORDS) {
    for (const { label, dims, t } of TARGETS) {
      it(`linear ${coord}, ${label}`, async () => {
        const g = resizeGraph(dims, t, { mode: 'linear', coordinate_transformation_mode: coord });
        await expectMatchesOrt(g, { x: rand(dims, seed++) }, { atol: 1e-6, rtol: 1e-5 });
      });
      for (const nearest of NEAREST) {
        it(`nearest ${nearest} ${coord}, ${label}`, async () => {
          const g = resizeGraph(dims, t, { coordinate_transformation_mode: coord, nearest_mode: nearest });
          await expectMatchesOrt(g, { x: rand(dims, seed++) }, { atol: 0, rtol: 0 });
        });
      }
    }
  }

  it('opset 11 (roi and empty scales inputs), tf_half_pixel_for_nn', async () => {
    const dims = [1, 2, 5, 7];
    const variants: Attrs[] = [
      { mode: 'linear' },
      { coordinate_transformation_mode: 'tf_half_pixel_for_nn' },
      { coordinate_transformation_mode: 'align_corners', mode: 'linear' },
    ];
    for (const [i, attrs] of variants.entries()) {
      const g = resizeGraph(dims, { sizes: [1, 2, 9, 4] }, attrs, 11);
      await expectMatchesOrt(g, { x: rand(dims, 50 + i) }, { atol: 1e-6, rtol: 1e-5 });
      const h = resizeGraph(dims, { scales: [1, 1, 2, 1.5] }, attrs, 11);
      await expectMatchesOrt(h, { x: rand(dims, 60 + i) }, { atol: 1e-6, rtol: 1e-5 });
    }
  });

  it('tf_half_pixel_for_nn leaves axes of scale 1 as they are (N, C, and H or W), as onnxruntime does', async () => {
    // Its coordinate (x + 0.5) / scale would shift a scale-1 axis under ceil or round (or a lerp).
    const cases: [number[], Target, Attrs][] = [
      [[2, 3, 5, 2], { sizes: [2, 3, 17, 16] }, { nearest_mode: 'ceil' }],
      [[1, 1, 5, 2], { sizes: [1, 1, 5, 3] }, { nearest_mode: 'ceil' }],
      [[2, 1, 1, 2], { sizes: [2, 1, 1, 3] }, { nearest_mode: 'round_prefer_ceil' }],
      [[2, 3, 4, 4], { sizes: [2, 3, 4, 4] }, { nearest_mode: 'ceil' }],
      [[1, 5, 3, 6], { scales: [1, 1, 4, 1] }, { mode: 'linear' }],
      [[2, 5, 7, 9], { scales: [1, 1, 1, 1 / 3] }, { mode: 'linear' }],
    ];
    for (const [i, [dims, t, attrs]] of cases.entries()) {
      const g = resizeGraph(dims, t, { coordinate_transformation_mode: 'tf_half_pixel_for_nn', ...attrs });
      await expectMatchesOrt(g, { x: rand(dims, 80 + i) }, { atol: 1e-6, rtol: 1e-5 });
    }
  });

  it('nearest resizes N and C too; 2-D linear input', async () => {
    await expectMatchesOrt(
      resizeGraph([2, 3, 4, 3], { scales: [2, 0.5, 1, 2] }),
      { x: rand([2, 3, 4, 3], 70) },
      { atol: 0, rtol: 0 },
    );
    await expectMatchesOrt(
      resizeGraph([5, 6], { sizes: [9, 4] }, { mode: 'linear' }),
      { x: rand([5, 6], 71) },
      {
        atol: 1e-6,
        rtol: 1e-5,
      },
    );
  });

  it('opset 18 axes and keep_aspect_ratio_policy', async () => {
    const dims = [1, 2, 8, 6];
    const g = new GraphBuilder('r18', { opset: 18 });
    const x = g.input('x', dims);
    g.output(
      g.op('Resize', [x, '', g.constant('s', Tensor.fromNumbers('float32', [2], [1.5, 2]))], {
        axes: [2, 3],
        mode: 'linear',
      }),
      g.op('Resize', [x, '', '', g.ints('z', [5, 5])], {
        axes: [2, 3],
        keep_aspect_ratio_policy: 'not_larger',
      }),
      g.op('Resize', [x, '', '', g.ints('z2', [5, 5])], {
        axes: [2, 3],
        keep_aspect_ratio_policy: 'not_smaller',
      }),
    );
    await expectMatchesOrt(g.build(), { x: rand(dims, 80) }, { atol: 1e-6, rtol: 1e-5 });
  });

  it('scales and sizes fed at run time', async () => {
    const g = new GraphBuilder('dyn', { opset: 13 });
    const x = g.input('x', [1, 2, 5, 6]);
    g.output(
      g.op('Resize', [x, '', g.input('scales', [4])], { mode: 'linear' }),
      g.op('Resize', [x, '', '', g.input('sizes', [4], 'int64')], {
        coordinate_transformation_mode: 'align_corners',
      }),
    );
    const graph = g.build();
    expect(graph.outputs[0]?.shape).toEqual(['Resize_0_d0', 'Resize_0_d1', 'Resize_0_d2', 'Resize_0_d3']);
    await expectMatchesOrt(
      graph,
      {
        x: rand([1, 2, 5, 6], 85),
        scales: Tensor.fromNumbers('float32', [4], [1, 1, 1.7, 0.4]),
        sizes: Tensor.fromNumbers('int64', [4], [1, 2, 8, 13]),
      },
      { atol: 1e-6, rtol: 1e-5 },
    );
  });

  it('Upsample opset 9 nearest and linear', async () => {
    const dims = [1, 2, 3, 5];
    const g = new GraphBuilder('up9', { opset: 9 });
    const x = g.input('x', dims);
    const s = g.constant('s', Tensor.fromNumbers('float32', [4], [1, 1, 2, 3]));
    const s2 = g.constant('s2', Tensor.fromNumbers('float32', [4], [1, 1, 1.5, 2.5]));
    g.output(
      g.op('Upsample', [x, s]),
      g.op('Upsample', [x, s], { mode: 'linear' }),
      g.op('Upsample', [x, s2], { mode: 'linear' }),
    );
    await expectMatchesOrt(g.build(), { x: rand(dims, 90) }, { atol: 1e-6, rtol: 1e-5 });
  });
});
