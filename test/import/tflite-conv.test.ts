import { describe, expect, it } from 'vitest';
import * as R from '../helpers/nhwc-ref.js';
import {
  ACT,
  bytesOf,
  floatToHalf,
  halfBitsToFloat,
  OP,
  OPT,
  SAME,
  TflModelBuilder,
  VALID,
} from '../helpers/tflite-writer.js';
import { expectTflite, f32Values, opCounts, rand } from './tflite-helpers.js';

const convOpts = (pad: number, sh: number, sw: number, act = 0, dh = 1, dw = 1) => [
  { id: 0, byte: pad },
  { id: 1, int: sw },
  { id: 2, int: sh },
  { id: 3, byte: act },
  { id: 4, int: dw },
  { id: 5, int: dh },
];

describe('TFLite CONV_2D', () => {
  const cases = [
    { name: 'SAME stride 1', pad: SAME, s: [1, 1], d: [1, 1], act: ACT.NONE, k: [3, 3], hw: [7, 6] },
    {
      name: 'SAME stride 2 (odd padding total)',
      pad: SAME,
      s: [2, 2],
      d: [1, 1],
      act: ACT.RELU,
      k: [3, 3],
      hw: [8, 7],
    },
    {
      name: 'VALID stride 2x1, 2x3 kernel',
      pad: VALID,
      s: [2, 1],
      d: [1, 1],
      act: ACT.RELU6,
      k: [2, 3],
      hw: [7, 7],
    },
    {
      name: 'SAME dilation 2',
      pad: SAME,
      s: [1, 1],
      d: [2, 2],
      act: ACT.RELU_N1_TO_1,
      k: [3, 3],
      hw: [7, 8],
    },
    {
      name: 'VALID dilation 2x1, TANH',
      pad: VALID,
      s: [1, 1],
      d: [2, 1],
      act: ACT.TANH,
      k: [3, 3],
      hw: [8, 6],
    },
  ];
  for (const c of cases) {
    it(`${c.name}, fused ${Object.keys(ACT)[c.act]}`, async () => {
      const [H, W] = c.hw as [number, number];
      const x = R.nhwc([1, H, W, 3], rand([1, H, W, 3]).data);
      const f = rand([4, c.k[0] as number, c.k[1] as number, 3]);
      const bias = f32Values(rand([4]));
      const m = new TflModelBuilder();
      const xi = m.input([1, H, W, 3], 'x');
      const ref = R.conv2d(x, f, bias, {
        pad: c.pad === SAME ? 'SAME' : 'VALID',
        stride: c.s as [number, number],
        dilation: c.d as [number, number],
      });
      const act = [(v: number) => v, R.relu, R.reluN1To1, R.relu6, Math.tanh][c.act] as (v: number) => number;
      const y = m.value([...ref.dims], 'y');
      m.op(
        OP.CONV_2D,
        [xi, m.f32([...f.dims], f32Values(f)), m.f32([4], bias)],
        [y],
        OPT.Conv2D,
        convOpts(c.pad, c.s[0] as number, c.s[1] as number, c.act, c.d[0], c.d[1]),
      ).output(y);
      await expectTflite(m, { x }, { y: R.map(ref, act) });
    });
  }

  it('without bias, grouped (filter has C/2 input channels)', async () => {
    const x = rand([1, 5, 5, 4]);
    const f = rand([6, 3, 3, 2]);
    const ref = R.conv2d(x, f, undefined, { pad: 'SAME', stride: [1, 1] });
    const m = new TflModelBuilder();
    const xi = m.input([1, 5, 5, 4], 'x');
    const y = m.value([1, 5, 5, 6], 'y');
    m.op(
      OP.CONV_2D,
      [xi, m.f32([6, 3, 3, 2], f32Values(f)), -1],
      [y],
      OPT.Conv2D,
      convOpts(SAME, 1, 1),
    ).output(y);
    await expectTflite(m, { x }, { y: ref });
  });

  it('fp16 weights through DEQUANTIZE fold into fp32 initializers', async () => {
    const x = rand([1, 6, 6, 3]);
    const raw = f32Values(rand([5, 3, 3, 3]));
    // The reference uses the fp16-rounded weights, decoded independently.
    const f = R.nhwc(
      [5, 3, 3, 3],
      raw.map((v) => halfBitsToFloat(floatToHalf(v))),
    );
    const bias = f32Values(rand([5]));
    const m = new TflModelBuilder();
    const xi = m.input([1, 6, 6, 3], 'x');
    const w16 = m.f16([5, 3, 3, 3], raw);
    const w = m.value([5, 3, 3, 3]);
    const b16 = m.f16([5], bias);
    const b = m.value([5]);
    const y = m.value([1, 6, 6, 5], 'y');
    m.op(OP.DEQUANTIZE, [w16], [w]).op(OP.DEQUANTIZE, [b16], [b]);
    m.op(OP.CONV_2D, [xi, w, b], [y], OPT.Conv2D, convOpts(SAME, 1, 1)).output(y);
    const ref = R.conv2d(
      x,
      f,
      bias.map((v) => halfBitsToFloat(floatToHalf(v))),
      { pad: 'SAME', stride: [1, 1] },
    );
    await expectTflite(m, { x }, { y: ref });
    expect(opCounts(m)).toEqual({ Conv: 1, Transpose: 2 });
  });
});

describe('TFLite DEPTHWISE_CONV_2D', () => {
  const dwOpts = (pad: number, s: number, mult: number, act = 0, d = 1) => [
    { id: 0, byte: pad },
    { id: 1, int: s },
    { id: 2, int: s },
    { id: 3, int: mult },
    { id: 4, byte: act },
    { id: 5, int: d },
    { id: 6, int: d },
  ];
  const cases = [
    { name: 'SAME stride 1, multiplier 1', pad: SAME, s: 1, M: 1, d: 1, act: ACT.RELU6 },
    { name: 'SAME stride 2, multiplier 2', pad: SAME, s: 2, M: 2, d: 1, act: ACT.NONE },
    { name: 'VALID, multiplier 3, dilation 2', pad: VALID, s: 1, M: 3, d: 2, act: ACT.RELU },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const C = 3;
      const x = rand([1, 9, 8, C]);
      const f = rand([1, 3, 3, C * c.M]);
      const bias = f32Values(rand([C * c.M]));
      const ref = R.depthwiseConv2d(x, f, bias, {
        pad: c.pad === SAME ? 'SAME' : 'VALID',
        stride: [c.s, c.s],
        dilation: [c.d, c.d],
      });
      const act = c.act === ACT.RELU6 ? R.relu6 : c.act === ACT.RELU ? R.relu : (v: number) => v;
      const m = new TflModelBuilder();
      const xi = m.input([1, 9, 8, C], 'x');
      const y = m.value([...ref.dims], 'y');
      m.op(
        OP.DEPTHWISE_CONV_2D,
        [xi, m.f32([...f.dims], f32Values(f)), m.f32([C * c.M], bias)],
        [y],
        OPT.DepthwiseConv2D,
        dwOpts(c.pad, c.s, c.M, c.act, c.d),
      ).output(y);
      await expectTflite(m, { x }, { y: R.map(ref, act) });
    });
  }
});

describe('TFLite pools', () => {
  const poolOpts = (pad: number, s: number, k: [number, number], act = 0) => [
    { id: 0, byte: pad },
    { id: 1, int: s },
    { id: 2, int: s },
    { id: 3, int: k[1] },
    { id: 4, int: k[0] },
    { id: 5, byte: act },
  ];
  const cases = [
    {
      name: 'AVERAGE_POOL_2D SAME 3x3 stride 2 (padding not counted)',
      max: false,
      pad: SAME,
      s: 2,
      k: [3, 3],
    },
    { name: 'AVERAGE_POOL_2D VALID 2x3 stride 1', max: false, pad: VALID, s: 1, k: [2, 3] },
    {
      name: 'MAX_POOL_2D SAME 3x3 stride 2, fused RELU',
      max: true,
      pad: SAME,
      s: 2,
      k: [3, 3],
      act: ACT.RELU,
    },
    { name: 'MAX_POOL_2D VALID 2x2 stride 2', max: true, pad: VALID, s: 2, k: [2, 2] },
    { name: 'AVERAGE_POOL_2D over the whole map (global)', max: false, pad: VALID, s: 1, k: [6, 7] },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const x = rand([1, 6, 7, 3]);
      const ref = R.pool2d(
        x,
        c.k as [number, number],
        { pad: c.pad === SAME ? 'SAME' : 'VALID', stride: [c.s, c.s] },
        c.max,
      );
      const m = new TflModelBuilder();
      const xi = m.input([1, 6, 7, 3], 'x');
      const y = m.value([...ref.dims], 'y');
      m.op(
        c.max ? OP.MAX_POOL_2D : OP.AVERAGE_POOL_2D,
        [xi],
        [y],
        OPT.Pool2D,
        poolOpts(c.pad, c.s, c.k as [number, number], c.act ?? 0),
      ).output(y);
      await expectTflite(m, { x }, { y: c.act ? R.map(ref, R.relu) : ref });
    });
  }
});

describe('TFLite transposed convolutions', () => {
  const cases = [
    {
      name: 'SAME stride 2, with bias, out 8x10',
      pad: SAME,
      s: 2,
      k: 3,
      bias: true,
      inHW: [4, 5],
      out: [8, 10],
    },
    {
      name: 'SAME stride 2, kernel 4, no bias, out 7x9',
      pad: SAME,
      s: 2,
      k: 4,
      bias: false,
      inHW: [4, 5],
      out: [7, 9],
    },
    {
      name: 'VALID stride 2, kernel 3, out 9x11',
      pad: VALID,
      s: 2,
      k: 3,
      bias: true,
      inHW: [4, 5],
      out: [9, 11],
    },
    {
      name: 'VALID stride 1, kernel 2, out 5x6',
      pad: VALID,
      s: 1,
      k: 2,
      bias: false,
      inHW: [4, 5],
      out: [5, 6],
    },
    // One row/col past the full size (k = 1): ONNX output_padding; the extra row gets only the bias.
    {
      name: 'SAME stride 2, kernel 1, out 8x10',
      pad: SAME,
      s: 2,
      k: 1,
      bias: true,
      inHW: [4, 5],
      out: [8, 10],
    },
  ];
  for (const c of cases) {
    it(`TRANSPOSE_CONV ${c.name}`, async () => {
      const [H, W] = c.inHW as [number, number];
      const [OH, OW] = c.out as [number, number];
      const x = rand([1, H, W, 3]);
      const f = rand([2, c.k, c.k, 3]);
      const bias = c.bias ? f32Values(rand([2])) : undefined;
      // TFLite pads as the forward conv from the output size would.
      const ph = R.tflPadding(c.pad === SAME ? 'SAME' : 'VALID', OH, c.k, c.s, 1)[1];
      const pw = R.tflPadding(c.pad === SAME ? 'SAME' : 'VALID', OW, c.k, c.s, 1)[1];
      const ref = R.transposeConv(x, f, bias, [OH, OW], [ph, pw], [c.s, c.s]);
      const m = new TflModelBuilder();
      const xi = m.input([1, H, W, 3], 'x');
      const y = m.value([1, OH, OW, 2], 'y');
      const ins = [m.i32([1, OH, OW, 2]), m.f32([2, c.k, c.k, 3], f32Values(f)), xi];
      if (bias) ins.push(m.f32([2], bias));
      m.op(OP.TRANSPOSE_CONV, ins, [y], OPT.TransposeConv, [
        { id: 0, byte: c.pad },
        { id: 1, int: c.s },
        { id: 2, int: c.s },
      ]).output(y);
      await expectTflite(m, { x }, { y: ref });
    });
  }

  const mpCases = [
    { name: 'SAME (1) stride 2, kernel 4', padding: 1, s: 2, k: 4 },
    { name: 'SAME (1) stride 2, kernel 3 (odd total padding)', padding: 1, s: 2, k: 3 },
    { name: 'VALID (2) stride 2, kernel 3', padding: 2, s: 2, k: 3 },
  ];
  for (const c of mpCases) {
    it(`MediaPipe Convolution2DTransposeBias ${c.name}`, async () => {
      const [H, W] = [4, 3];
      const x = rand([1, H, W, 3]);
      const f = rand([2, c.k, c.k, 3]);
      const bias = f32Values(rand([2]));
      // mediapipe transpose_conv_bias.cc: total padding k - (in-1) % s - 1 for SAME, before = total/2.
      const tot = (n: number) => (c.padding === 1 ? Math.max(0, c.k - ((n - 1) % c.s) - 1) : 0);
      const [OH, OW] = [c.s * (H - 1) + c.k - tot(H), c.s * (W - 1) + c.k - tot(W)];
      const ref = R.transposeConv(
        x,
        f,
        bias,
        [OH, OW],
        [Math.floor(tot(H) / 2), Math.floor(tot(W) / 2)],
        [c.s, c.s],
      );
      const m = new TflModelBuilder();
      const xi = m.input([1, H, W, 3], 'x');
      const y = m.value([1, OH, OW, 2], 'y');
      const params = bytesOf(Int32Array.of(c.padding, c.s, c.s));
      m.custom(
        'Convolution2DTransposeBias',
        [xi, m.f32([2, c.k, c.k, 3], f32Values(f)), m.f32([2], bias)],
        [y],
        params,
      );
      m.output(y);
      await expectTflite(m, { x }, { y: ref });
    });
  }
});

describe('TFLite FULLY_CONNECTED', () => {
  it('flattens a rank-4 NHWC input in NHWC order, bias and fused RELU', async () => {
    const x = rand([1, 3, 2, 4]);
    const f = rand([4, 3, 3, 4]);
    const w = rand([5, 3 * 2 * 4]);
    const bias = f32Values(rand([5]));
    const conv = R.conv2d(x, f, undefined, { pad: 'SAME', stride: [1, 1] });
    const ref = R.map(R.fullyConnected(conv, w, bias), R.relu);
    const m = new TflModelBuilder();
    const xi = m.input([1, 3, 2, 4], 'x');
    const c = m.value([1, 3, 2, 4]);
    const y = m.value([1, 5], 'y');
    m.op(OP.CONV_2D, [xi, m.f32([4, 3, 3, 4], f32Values(f)), -1], [c], OPT.Conv2D, convOpts(SAME, 1, 1));
    m.op(OP.FULLY_CONNECTED, [c, m.f32([5, 24], f32Values(w)), m.f32([5], bias)], [y], OPT.FullyConnected, [
      { id: 0, byte: ACT.RELU },
    ]).output(y);
    await expectTflite(m, { x }, { y: ref });
  });

  it('keep_num_dims keeps the leading dims, no bias', async () => {
    const x = rand([2, 3, 6]);
    const w = rand([4, 6]);
    const ref = R.fullyConnected(x, w, undefined);
    const m = new TflModelBuilder();
    const xi = m.input([2, 3, 6], 'x');
    const y = m.value([2, 3, 4], 'y');
    m.op(OP.FULLY_CONNECTED, [xi, m.f32([4, 6], f32Values(w)), -1], [y], OPT.FullyConnected, [
      { id: 2, bool: true },
    ]).output(y);
    await expectTflite(m, { x }, { y: R.nhwc([2, 3, 4], ref.data) });
  });
});
