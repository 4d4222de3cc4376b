import { describe, expect, it } from 'vitest';
import type { Tensor } from '../../src/engine/tensor.js';
import * as R from '../helpers/nhwc-ref.js';
import { ACT, OP, OPT, SAME, TflModelBuilder } from '../helpers/tflite-writer.js';
import { expectTflite, f32Values, opCounts, rand } from './tflite-helpers.js';

const convOpts = [
  { id: 0, byte: SAME },
  { id: 1, int: 1 },
  { id: 2, int: 1 },
];

/** x (1,H,W,C) → 1x1 CONV_2D (C→C2) so the op under test sees an NCHW-held value. */
function withConv(m: TflModelBuilder, x: Tensor, xi: number, c2: number): { ci: number; conv: Tensor } {
  const C = x.dims[3] as number;
  const f = rand([c2, 1, 1, C]);
  const conv = R.conv2d(x, f, undefined, { pad: 'SAME', stride: [1, 1] });
  const ci = m.value([...conv.dims]);
  m.op(OP.CONV_2D, [xi, m.f32([c2, 1, 1, C], f32Values(f)), -1], [ci], OPT.Conv2D, convOpts);
  return { ci, conv };
}

describe('TFLite elementwise ops', () => {
  const binaries = [
    { name: 'ADD', op: OP.ADD, opt: OPT.Add, f: (a: number, b: number) => a + b },
    { name: 'SUB', op: OP.SUB, opt: OPT.Sub, f: (a: number, b: number) => a - b },
    { name: 'MUL', op: OP.MUL, opt: OPT.Mul, f: (a: number, b: number) => a * b },
  ];
  for (const b of binaries) {
    it(`${b.name} of two NCHW-held values with fused RELU6, and with a per-channel constant`, async () => {
      const x = rand([1, 4, 5, 3], -3, 3);
      const m = new TflModelBuilder();
      const xi = m.input([1, 4, 5, 3], 'x');
      const { ci: c1, conv: v1 } = withConv(m, x, xi, 3);
      const { ci: c2, conv: v2 } = withConv(m, x, xi, 3);
      const k = rand([3]);
      const s = m.value([1, 4, 5, 3]);
      const y = m.value([1, 4, 5, 3], 'y');
      m.op(b.op, [c1, c2], [s], b.opt, [{ id: 0, byte: ACT.RELU6 }]);
      m.op(b.op, [s, m.f32([3], f32Values(k))], [y], b.opt, [{ id: 0, byte: ACT.NONE }]).output(y);
      const ref = R.binary(R.map(R.binary(v1, v2, b.f), R.relu6), k, b.f);
      await expectTflite(m, { x }, { y: ref });
      // conv outputs stay NCHW through both ops: one Transpose in, one out.
      expect(opCounts(m).Transpose).toBe(2);
    });
  }

  it('ADD broadcasting a rank-2 runtime value against NHWC, in NHWC (no conv before)', async () => {
    const x = rand([1, 2, 3, 4]);
    const z = rand([3, 4]);
    const m = new TflModelBuilder();
    const xi = m.input([1, 2, 3, 4], 'x');
    const zi = m.input([3, 4], 'z');
    const y = m.value([1, 2, 3, 4], 'y');
    m.op(OP.ADD, [xi, zi], [y], OPT.Add, [{ id: 0, byte: ACT.RELU_N1_TO_1 }]).output(y);
    await expectTflite(
      m,
      { x, z },
      {
        y: R.map(
          R.binary(x, z, (a, b) => a + b),
          R.reluN1To1,
        ),
      },
    );
  });

  it('MUL of an NCHW-held value and a rank-1 runtime value (lifted and transposed)', async () => {
    const x = rand([1, 3, 3, 2]);
    const z = rand([4]);
    const m = new TflModelBuilder();
    const xi = m.input([1, 3, 3, 2], 'x');
    const zi = m.input([4], 'z');
    const { ci, conv } = withConv(m, x, xi, 4);
    const y = m.value([1, 3, 3, 4], 'y');
    m.op(OP.MUL, [ci, zi], [y], OPT.Mul, [{ id: 0, byte: ACT.TANH }]).output(y);
    await expectTflite(
      m,
      { x, z },
      {
        y: R.map(
          R.binary(conv, z, (a, b) => a * b),
          Math.tanh,
        ),
      },
    );
  });

  const unaries = [
    { name: 'HARD_SWISH', op: OP.HARD_SWISH, f: R.hardSwish },
    { name: 'RELU', op: OP.RELU, f: R.relu },
    { name: 'RELU6', op: OP.RELU6, f: R.relu6 },
    { name: 'RELU_N1_TO_1', op: OP.RELU_N1_TO_1, f: R.reluN1To1 },
    { name: 'LOGISTIC', op: OP.LOGISTIC, f: R.sigmoid },
    { name: 'TANH', op: OP.TANH, f: Math.tanh },
  ];
  for (const u of unaries) {
    it(`${u.name} on the input (NHWC) and after a conv (NCHW)`, async () => {
      const x = rand([1, 3, 4, 2], -8, 8);
      const m = new TflModelBuilder();
      const xi = m.input([1, 3, 4, 2], 'x');
      const y1 = m.value([1, 3, 4, 2], 'y1');
      m.op(u.op, [xi], [y1]);
      const { ci, conv } = withConv(m, x, xi, 3);
      const y2 = m.value([1, 3, 4, 3], 'y2');
      m.op(u.op, [ci], [y2]).output(y1, y2);
      await expectTflite(m, { x }, { y1: R.map(x, u.f), y2: R.map(conv, u.f) });
    });
  }
});

describe('TFLite resize', () => {
  const variants = [
    { name: 'asymmetric', align: false, half: false },
    { name: 'align_corners', align: true, half: false },
    { name: 'half_pixel_centers', align: false, half: true },
  ];
  const sizes = [
    [4, 5, 7, 9],
    [6, 7, 3, 4],
    [3, 3, 12, 6],
  ];
  for (const v of variants) {
    for (const [H, W, OH, OW] of sizes as [number, number, number, number][]) {
      it(`RESIZE_BILINEAR ${v.name} ${H}x${W} → ${OH}x${OW}`, async () => {
        const x = rand([1, H, W, 2]);
        const m = new TflModelBuilder();
        const xi = m.input([1, H, W, 2], 'x');
        const y = m.value([1, OH, OW, 2], 'y');
        m.op(OP.RESIZE_BILINEAR, [xi, m.i32([OH, OW])], [y], OPT.ResizeBilinear, [
          { id: 2, bool: v.align },
          { id: 3, bool: v.half },
        ]).output(y);
        await expectTflite(
          m,
          { x },
          { y: R.resizeBilinear(x, OH, OW, v.align, v.half) },
          { atol: 1e-5, rtol: 1e-5 },
        );
      });
      it(`RESIZE_NEAREST_NEIGHBOR ${v.name} ${H}x${W} → ${OH}x${OW}`, async () => {
        const x = rand([1, H, W, 2]);
        const m = new TflModelBuilder();
        const xi = m.input([1, H, W, 2], 'x');
        const y = m.value([1, OH, OW, 2], 'y');
        m.op(OP.RESIZE_NEAREST_NEIGHBOR, [xi, m.i32([OH, OW])], [y], OPT.ResizeNearestNeighbor, [
          { id: 0, bool: v.align },
          { id: 1, bool: v.half },
        ]).output(y);
        await expectTflite(
          m,
          { x },
          { y: R.resizeNearest(x, OH, OW, v.align, v.half) },
          { atol: 0, rtol: 0 },
        );
      });
    }
  }
});

describe('TFLite layout-sensitive ops', () => {
  for (const axis of [3, -1, 1, 2]) {
    it(`CONCATENATION axis ${axis} of NCHW-held values, fused RELU`, async () => {
      const x = rand([1, 3, 4, 2]);
      const m = new TflModelBuilder();
      const xi = m.input([1, 3, 4, 2], 'x');
      const a = withConv(m, x, xi, 2);
      const b = withConv(m, x, xi, 2);
      const ax = axis < 0 ? axis + 4 : axis;
      const dims = [1, 3, 4, 2];
      dims[ax] = (dims[ax] as number) * 3;
      const y = m.value(dims, 'y');
      m.op(OP.CONCATENATION, [a.ci, b.ci, xi], [y], OPT.Concatenation, [
        { id: 0, int: axis },
        { id: 1, byte: ACT.RELU },
      ]).output(y);
      await expectTflite(m, { x }, { y: R.map(R.concat([a.conv, b.conv, x], ax), R.relu) });
    });
  }

  it('RESHAPE keeps NHWC element order between convolutions', async () => {
    const x = rand([1, 4, 6, 2]);
    const m = new TflModelBuilder();
    const xi = m.input([1, 4, 6, 2], 'x');
    const a = withConv(m, x, xi, 3);
    const r = m.value([1, 6, 4, 3]);
    m.op(OP.RESHAPE, [a.ci, m.i32([1, 6, 4, 3])], [r], OPT.Reshape, []);
    const f = rand([2, 3, 3, 3]);
    const y = m.value([1, 6, 4, 2], 'y');
    const flat = m.value([1, 72], 'flat');
    m.op(OP.CONV_2D, [r, m.f32([2, 3, 3, 3], f32Values(f)), -1], [y], OPT.Conv2D, convOpts);
    m.op(OP.RESHAPE, [a.ci, m.i32([1, 72])], [flat], OPT.Reshape, []).output(y, flat);
    const reshaped = R.nhwc([1, 6, 4, 3], f32Values(a.conv));
    const ref = R.conv2d(reshaped, f, undefined, { pad: 'SAME', stride: [1, 1] });
    await expectTflite(m, { x }, { y: ref, flat: R.nhwc([1, 72], f32Values(a.conv)) });
  });

  it('PAD of an NCHW-held value (H, W and C paddings) and of a rank-2 input', async () => {
    const x = rand([1, 3, 4, 2]);
    const z = rand([2, 3]);
    const m = new TflModelBuilder();
    const xi = m.input([1, 3, 4, 2], 'x');
    const zi = m.input([2, 3], 'z');
    const a = withConv(m, x, xi, 2);
    const p = [
      [0, 0],
      [1, 2],
      [0, 3],
      [1, 0],
    ] as [number, number][];
    const y = m.value([1, 6, 7, 3], 'y');
    const y2 = m.value([3, 5], 'y2');
    m.op(OP.PAD, [a.ci, m.i32(p.flat(), [4, 2])], [y], OPT.Pad, []);
    m.op(OP.PAD, [zi, m.i32([1, 0, 0, 2], [2, 2])], [y2], OPT.Pad, []).output(y, y2);
    await expectTflite(
      m,
      { x, z },
      {
        y: R.pad(a.conv, p),
        y2: R.pad(z, [
          [1, 0],
          [0, 2],
        ]),
      },
    );
  });

  const means = [
    { axes: [1, 2], keep: true },
    { axes: [1, 2], keep: false },
    { axes: [3], keep: false },
    { axes: [2], keep: true },
    { axes: [-3, 3], keep: false },
  ];
  for (const c of means) {
    it(`MEAN axes [${c.axes}] keep_dims ${c.keep}`, async () => {
      const x = rand([1, 3, 4, 2]);
      const m = new TflModelBuilder();
      const xi = m.input([1, 3, 4, 2], 'x');
      const a = withConv(m, x, xi, 3);
      const axes = c.axes.map((v) => (v < 0 ? v + 4 : v));
      const ref = R.mean(a.conv, axes, c.keep);
      const y = m.value([...ref.dims], 'y');
      m.op(OP.MEAN, [a.ci, m.i32(c.axes)], [y], OPT.Reducer, [{ id: 0, bool: c.keep }]).output(y);
      await expectTflite(m, { x }, { y: ref });
    });
  }

  it('TRANSPOSE of an NCHW-held value composes with the layout change', async () => {
    const x = rand([1, 3, 4, 2]);
    const m = new TflModelBuilder();
    const xi = m.input([1, 3, 4, 2], 'x');
    const a = withConv(m, x, xi, 5);
    const y = m.value([1, 5, 3, 4], 'y');
    const y2 = m.value([4, 1, 5, 3], 'y2');
    m.op(OP.TRANSPOSE, [a.ci, m.i32([0, 3, 1, 2])], [y], OPT.Transpose, []);
    m.op(OP.TRANSPOSE, [a.ci, m.i32([2, 0, 3, 1])], [y2], OPT.Transpose, []).output(y, y2);
    await expectTflite(
      m,
      { x },
      { y: R.transpose(a.conv, [0, 3, 1, 2]), y2: R.transpose(a.conv, [2, 0, 3, 1]) },
    );
    expect(opCounts(m).Transpose).toBe(3);
  });

  it('SOFTMAX with beta over channels of an NCHW-held value, and over a rank-2 input', async () => {
    const x = rand([1, 3, 4, 2], -3, 3);
    const z = rand([2, 5], -3, 3);
    const m = new TflModelBuilder();
    const xi = m.input([1, 3, 4, 2], 'x');
    const zi = m.input([2, 5], 'z');
    const a = withConv(m, x, xi, 4);
    const y = m.value([1, 3, 4, 4], 'y');
    const y2 = m.value([2, 5], 'y2');
    m.op(OP.SOFTMAX, [a.ci], [y], OPT.Softmax, [{ id: 0, float: 0.5 }]);
    m.op(OP.SOFTMAX, [zi], [y2], OPT.Softmax, [{ id: 0, float: 1 }]).output(y, y2);
    await expectTflite(m, { x, z }, { y: R.softmax(a.conv, 0.5), y2: R.softmax(z, 1) });
  });
});

describe('TFLite layout: Transposes only at the edges', () => {
  it('a conv / depthwise / pool / resize / add chain imports with one Transpose in and one out', async () => {
    const m = new TflModelBuilder();
    const xi = m.input([1, 8, 8, 3], 'x');
    const c = m.value([1, 8, 8, 4]);
    const d = m.value([1, 4, 4, 4]);
    const p = m.value([1, 1, 1, 4]);
    const s = m.value([1, 4, 4, 4]);
    const r = m.value([1, 8, 8, 4]);
    const y = m.value([1, 8, 8, 4], 'y');
    m.op(OP.CONV_2D, [xi, m.f32([4, 3, 3, 3], f32Values(rand([4, 3, 3, 3]))), -1], [c], OPT.Conv2D, convOpts);
    m.op(
      OP.DEPTHWISE_CONV_2D,
      [c, m.f32([1, 3, 3, 4], f32Values(rand([1, 3, 3, 4]))), -1],
      [d],
      OPT.DepthwiseConv2D,
      [
        { id: 0, byte: SAME },
        { id: 1, int: 2 },
        { id: 2, int: 2 },
        { id: 3, int: 1 },
      ],
    );
    m.op(OP.AVERAGE_POOL_2D, [d], [p], OPT.Pool2D, [
      { id: 0, byte: 1 },
      { id: 1, int: 1 },
      { id: 2, int: 1 },
      { id: 3, int: 4 },
      { id: 4, int: 4 },
    ]);
    m.op(OP.MUL, [d, p], [s], OPT.Mul, []);
    m.op(OP.RESIZE_BILINEAR, [s, m.i32([8, 8])], [r], OPT.ResizeBilinear, []);
    m.op(OP.ADD, [r, c], [y], OPT.Add, []).output(y);
    const counts = opCounts(m);
    expect(counts.Transpose).toBe(2);
    expect(counts).toMatchObject({ Conv: 2, GlobalAveragePool: 1, Mul: 1, Resize: 1, Add: 1 });
  });
});
