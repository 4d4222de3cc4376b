import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../src/graph/builder.js';
import type { OpType } from '../../src/graph/op-types.js';
import { Rng, randomInput } from './ref-oracle.js';
import { expectThreadsIdentical, runWasm } from './threads-helpers.js';

type Attrs = Record<string, number | number[] | string>;

/**
 * One node on input `dims` (+ constants from `extra`), threads 1 vs 2 and 3 (3 makes uneven
 * slices). Batch 2 and odd row counts put slice boundaries inside and across images.
 */
async function family(
  op: OpType,
  kernels: string[],
  dims: number[],
  attrs: Attrs = {},
  extra: (b: GraphBuilder) => string[] = () => [],
  outputs = 1,
): Promise<void> {
  for (const threads of [2, 3]) {
    const b = new GraphBuilder(op, { seed: 7 });
    const x = b.input('x', dims);
    b.output(...b.ops(op, [x, ...extra(b)], attrs, outputs));
    await expectThreadsIdentical(
      b.build(),
      { x: randomInput(new Rng(3), dims) },
      `${op} ${JSON.stringify(attrs)} [${dims}]`,
      threads,
      kernels,
    );
  }
}

const conv =
  (m: number, cg: number, k: number[], bias = true) =>
  (b: GraphBuilder) => [b.param('w', [m, cg, ...k]), ...(bias ? [b.param('b', [m])] : [])];

describe('WASM threads: 1 and n threads give bit-identical answers', () => {
  it('direct conv: strided, padded, grouped, 1x1 (pointwise), 1-D, fused activation', async () => {
    await family(
      'Conv',
      ['convNhwc'],
      [2, 5, 9, 11],
      { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] },
      conv(7, 5, [3, 3]),
    );
    await family(
      'Conv',
      ['convNhwc'],
      [1, 8, 7, 6],
      { kernel_shape: [3, 3], group: 2, pads: [1, 0, 1, 2] },
      conv(6, 4, [3, 3]),
    );
    await family(
      'Conv',
      ['conv1x1Nhwc'],
      [1, 24, 9, 9],
      { kernel_shape: [1, 1], activation: 'HardSwish' },
      conv(20, 24, [1, 1]),
    );
    await family(
      'Conv',
      ['convNhwc'],
      [2, 6, 17],
      { kernel_shape: [5], pads: [4, 4], dilations: [2], activation: 'Relu' },
      conv(9, 6, [5]),
    );
  });
  it('Winograd F(4x4) and F(2x2) 3x3 (plain and dilated) with fused activation', async () => {
    await family(
      'Conv',
      ['winograd4Nhwc'],
      [1, 12, 11, 10],
      { kernel_shape: [3, 3], pads: [1, 1, 1, 1] },
      conv(10, 12, [3, 3]),
    );
    await family(
      'Conv',
      ['winogradNhwc'],
      [2, 9, 13, 12],
      {
        kernel_shape: [3, 3],
        pads: [2, 2, 2, 2],
        dilations: [2, 2],
        activation: 'Clip',
        activation_params: [0, 6],
      },
      conv(16, 9, [3, 3]),
    );
  });
  // A lone depthwise Conv runs on row-major planes; in a channels-last chain it runs
  // convDepthwiseNhwc (test/wasm/depthwise_nchw.test.ts checks both at 1 vs 2 threads).
  it('depthwise conv, dilated, strided', async () => {
    await family(
      'Conv',
      ['convDepthwiseNchw'],
      [2, 20, 9, 8],
      { kernel_shape: [3, 3], group: 20, pads: [2, 2, 2, 2], dilations: [2, 2] },
      conv(20, 1, [3, 3]),
    );
    await family(
      'Conv',
      ['convDepthwiseNchw'],
      [1, 6, 11, 9],
      { kernel_shape: [5, 5], group: 6, strides: [2, 2], pads: [2, 2, 2, 2] },
      conv(6, 1, [5, 5]),
    );
  });
  it('ConvTranspose: stride 2 with pads and output padding, grouped', async () => {
    await family(
      'ConvTranspose',
      ['convTransposeNhwc'],
      [2, 6, 5, 7],
      { kernel_shape: [4, 4], strides: [2, 2], pads: [1, 1, 1, 1] },
      (b) => [b.param('w', [6, 5, 4, 4]), b.param('b', [5])],
    );
    await family(
      'ConvTranspose',
      ['convTransposeNhwc'],
      [1, 4, 6, 5],
      { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], output_padding: [1, 1], group: 2 },
      (b) => [b.param('w', [4, 3, 3, 3])],
    );
  });
  it('pooling: max, average (with and without pads counted), global average', async () => {
    await family('MaxPool', ['poolNhwc'], [2, 5, 9, 7], {
      kernel_shape: [3, 3],
      strides: [2, 2],
      pads: [1, 1, 1, 1],
      ceil_mode: 1,
    });
    await family('AveragePool', ['poolNhwc'], [1, 7, 10, 9], {
      kernel_shape: [3, 3],
      pads: [1, 1, 1, 1],
      count_include_pad: 1,
    });
    await family('AveragePool', ['poolNhwc'], [2, 3, 7, 6], {
      kernel_shape: [3, 2],
      strides: [2, 2],
      pads: [1, 0, 1, 1],
    });
    await family('GlobalAveragePool', ['globalAvgPoolRange'], [1, 19, 5, 6]);
    await family('GlobalAveragePool', ['globalAvgPoolRange'], [3, 12, 4, 4]);
  });
  it('resize: bilinear and nearest, up and down', async () => {
    const lin = { mode: 'linear', coordinate_transformation_mode: 'half_pixel' };
    await family('Resize', ['resizeNchw'], [2, 5, 4, 7], lin, (b) => [
      '',
      '',
      b.ints('sizes', [2, 5, 9, 16]),
    ]);
    await family('Resize', ['resizeNchw'], [1, 3, 9, 7], { mode: 'nearest' }, (b) => [
      '',
      b.param('scales', [4], [1, 1, 0.5, 0.7]),
    ]);
  });
  it('resize channels-last (read by a conv): every thread on its own row cache', async () => {
    for (const threads of [2, 3]) {
      const b = new GraphBuilder('resize-nhwc', { seed: 9 });
      const x = b.input('x', [2, 6, 5, 7]);
      const up = b.op('Resize', [x, '', b.param('scales', [4], [1, 1, 2, 3])], { mode: 'linear' });
      b.output(b.op('Conv', [up, b.param('w', [4, 6, 1, 1])], { kernel_shape: [1, 1] }));
      await expectThreadsIdentical(
        b.build(),
        { x: randomInput(new Rng(3), [2, 6, 5, 7]) },
        'resize NHWC',
        threads,
        ['resizeNhwc'],
      );
    }
  });
  it('squeeze-excite: one-pixel 1x1 convs split over output channels (M not a multiple of 8)', async () => {
    for (const threads of [2, 3]) {
      const b = new GraphBuilder('se', { seed: 11 });
      const x = b.input('x', [1, 36, 5, 6]);
      const g = b.op('GlobalAveragePool', [x]);
      const s1 = b.op('Conv', [g, b.param('w1', [20, 36, 1, 1]), b.param('b1', [20])], {
        kernel_shape: [1, 1],
        activation: 'Relu',
      });
      const s2 = b.op('Conv', [s1, b.param('w2', [36, 20, 1, 1]), b.param('b2', [36])], {
        kernel_shape: [1, 1],
        activation: 'HardSigmoid',
      });
      b.output(b.op('Mul', [x, s2]));
      const many = await runWasm(b.build(), { x: randomInput(new Rng(3), [1, 36, 5, 6]) }, threads);
      expect(many.regions.get('conv1x1Nhwc'), 'both one-pixel convs split').toBe(2);
      await expectThreadsIdentical(b.build(), { x: randomInput(new Rng(3), [1, 36, 5, 6]) }, 'SE', threads, [
        'conv1x1Nhwc',
      ]);
    }
  });
  it('elementwise: activations, broadcasting binary ops, BatchNormalization', async () => {
    await family('Sigmoid', ['unary'], [1, 3, 5, 7]);
    await family('HardSwish', ['unary'], [2, 4, 9, 9]);
    await family('Add', ['binaryStrided'], [2, 5, 6, 7], {}, (b) => [b.param('c', [5, 1, 1])]);
    await family('Div', ['binaryStrided'], [1, 5, 6, 7], {}, (b) => [
      b.param('c', [7], [1.5, -2, 3, 0.25, 4, 5, -6]),
    ]);
    await family('Mul', ['binaryStrided'], [3, 37], {}, (b) => [b.param('c', [1])]);
    await family('BatchNormalization', ['binaryStrided'], [2, 6, 5, 5], {}, (b) => [
      b.param('s', [6]),
      b.param('t', [6]),
      b.param('m', [6]),
      b.param('v', [6], [1, 2, 0.5, 3, 1.5, 0.7]),
    ]);
  });
  it('softmax, argmax, reductions', async () => {
    await family('Softmax', ['softmaxAxis'], [2, 7, 5, 6], { axis: 1 });
    await family('Softmax', ['softmaxAxis'], [3, 11], { axis: -1 });
    await family('ArgMax', ['argmaxAxis'], [2, 9, 5, 7], { axis: 1, keepdims: 1 });
    await family('ArgMax', ['argmaxAxis'], [1, 9, 5, 7], { axis: 1, keepdims: 0, select_last_index: 1 });
    await family('ReduceMean', ['reduceRows'], [2, 6, 5, 7], { axes: [2, 3], keepdims: 1 });
    await family('ReduceMax', ['reduceRows'], [1, 6, 5, 7], { axes: [1], keepdims: 0 });
  });
  it('Gemm and MatMul (pointwise GEMM), with bias and batches', async () => {
    await family('Gemm', ['matmul'], [9, 13], { transB: 1, alpha: 0.5, beta: 2 }, (b) => [
      b.param('w', [11, 13]),
      b.param('c', [11]),
    ]);
    await family('MatMul', ['matmul'], [2, 7, 10], {}, (b) => [b.param('w', [10, 9])]);
  });
  it('layout ops: Transpose, Concat, Pad (constant and reflect), Slice', async () => {
    await family('Transpose', ['copyStrided'], [2, 5, 6, 7], { perm: [0, 3, 1, 2] });
    await family('Pad', ['gatherAxes'], [1, 3, 6, 7], { mode: 'reflect' }, (b) => [
      b.ints('pads', [0, 0, 2, 1, 0, 0, 1, 2]),
    ]);
    await family('Pad', ['fill'], [2, 3, 5, 7], { mode: 'constant' }, (b) => [
      b.ints('pads', [0, 1, 1, 0, 0, 0, 2, 1]),
    ]);
    await family('Slice', ['copyStrided'], [2, 6, 9, 8], {}, (b) => [
      b.ints('s', [1, 2]),
      b.ints('e', [5, 8]),
      b.ints('a', [1, 2]),
    ]);
    await family('Concat', ['copyStrided'], [2, 3, 5, 7], { axis: 1 }, (b) => [b.param('c', [2, 4, 5, 7])]);
  });
});
