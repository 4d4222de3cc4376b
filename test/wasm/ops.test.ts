import { describe, it } from 'vitest';
import { Tensor } from '../../src/engine/tensor.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import type { OpType } from '../../src/graph/op-types.js';
import { expectWasmMatchesRef, Rng, randomInput } from './ref-oracle.js';

type Attrs = Record<string, number | number[] | string>;

/** One node on one run-time input of `dims` (+ constants built by `extra`), WASM vs ref. */
async function single(
  op: OpType,
  dims: number[],
  attrs: Attrs = {},
  extra: (b: GraphBuilder) => string[] = () => [],
  seed = 1,
  outputs = 1,
): Promise<void> {
  const b = new GraphBuilder(op, { seed });
  const x = b.input('x', dims);
  b.output(...b.ops(op, [x, ...extra(b)], attrs, outputs));
  await expectWasmMatchesRef(
    b,
    { x: randomInput(new Rng(seed), dims) },
    `${op} ${JSON.stringify(attrs)} [${dims}]`,
  );
}

describe('WASM pools and resize vs ref', () => {
  it('MaxPool with ceil_mode, pads and dilation; odd sizes, 5 channels', async () => {
    await single('MaxPool', [1, 5, 9, 7], {
      kernel_shape: [3, 3],
      strides: [2, 2],
      pads: [1, 1, 1, 1],
      ceil_mode: 1,
    });
    await single('MaxPool', [2, 3, 8, 8], { kernel_shape: [2, 2], dilations: [2, 2] });
  });
  it('AveragePool counting pads or not', async () => {
    await single('AveragePool', [1, 7, 6, 9], {
      kernel_shape: [3, 3],
      pads: [1, 1, 1, 1],
      count_include_pad: 1,
    });
    await single('AveragePool', [1, 7, 6, 9], { kernel_shape: [3, 2], strides: [2, 2], pads: [1, 0, 1, 1] });
  });
  it('GlobalAveragePool, 1x1 and odd inputs', async () => {
    await single('GlobalAveragePool', [2, 6, 5, 3]);
    await single('GlobalAveragePool', [1, 9, 1, 1]);
  });
  const modes: Attrs[] = [
    { mode: 'linear', coordinate_transformation_mode: 'half_pixel' },
    { mode: 'linear', coordinate_transformation_mode: 'align_corners' },
    { mode: 'linear', coordinate_transformation_mode: 'asymmetric' },
    { mode: 'linear', coordinate_transformation_mode: 'pytorch_half_pixel' },
    { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' },
    { mode: 'nearest', coordinate_transformation_mode: 'half_pixel', nearest_mode: 'round_prefer_ceil' },
    {
      mode: 'nearest',
      coordinate_transformation_mode: 'tf_half_pixel_for_nn',
      nearest_mode: 'round_prefer_floor',
    },
  ];
  for (const m of modes) {
    it(`Resize ${m.mode} ${m.coordinate_transformation_mode} (up by sizes, down by scales)`, async () => {
      await single('Resize', [1, 5, 4, 7], m, (b) => ['', '', b.ints('sizes', [1, 5, 9, 16])]);
      await single('Resize', [1, 3, 9, 7], m, (b) => ['', b.param('scales', [4], [1, 1, 0.5, 0.7])]);
    });
  }
});

describe('WASM elementwise vs ref', () => {
  for (const op of ['Relu', 'Sigmoid', 'Tanh', 'HardSwish', 'HardSigmoid', 'LeakyRelu'] as const) {
    it(`${op} on a size not divisible by 4`, async () => {
      await single(op, [1, 3, 5, 7], op === 'LeakyRelu' ? { alpha: 0.2 } : {}, () => [], 3);
    });
  }
  it('Clip with min/max inputs', async () => {
    await single('Clip', [1, 3, 5, 7], {}, (b) => [b.param('lo', [], [-0.3]), b.param('hi', [], [0.4])]);
  });
  for (const op of ['Add', 'Sub', 'Mul', 'Div'] as const) {
    it(`${op} broadcasting [C,1,1], [1,C,1,1], [W] and a scalar`, async () => {
      await single(op, [2, 5, 3, 7], {}, (b) => [b.param('c', [5, 1, 1], undefined, 2)]);
      await single(op, [1, 6, 4, 5], {}, (b) => [b.param('c', [1, 6, 1, 1], undefined, 2)]);
      await single(op, [1, 6, 4, 5], {}, (b) => [b.param('c', [5], undefined, 2)]);
      await single(op, [1, 6, 4, 5], {}, (b) => [b.param('c', [], [1.5])]);
    });
  }
  it('Mul of two run-time tensors in different layouts (SE block: x * GAP(x))', async () => {
    const b = new GraphBuilder('se', { seed: 4 });
    const x = b.input('x', [1, 7, 5, 6]);
    const g = b.op('Sigmoid', [b.op('GlobalAveragePool', [x])]);
    b.output(
      b.op('Mul', [x, g]),
      b.op('Add', [b.op('Reshape', [x, b.ints('s', [1, 7, 30])]), b.param('r', [30])]),
    );
    await expectWasmMatchesRef(b, { x: randomInput(new Rng(4), [1, 7, 5, 6]) }, 'se');
  });
  it('PRelu with per-channel slopes', async () => {
    await single('PRelu', [1, 6, 5, 3], {}, (b) => [b.param('slope', [6, 1, 1])]);
  });
  it('unfolded BatchNormalization', async () => {
    await single('BatchNormalization', [2, 5, 3, 4], { epsilon: 1e-3 }, (b) => [
      b.param('s', [5]),
      b.param('bb', [5]),
      b.param('m', [5]),
      b.param('v', [5], [0.5, 1, 1.5, 2, 0.1]),
    ]);
  });
});

describe('WASM data movement vs ref', () => {
  it('Concat on channels and on width, Split, Slice with negative steps', async () => {
    const b = new GraphBuilder('moves', { seed: 8 });
    const x = b.input('x', [1, 5, 6, 7]);
    const y = b.op('Relu', [x]);
    b.output(
      b.op('Concat', [x, y, b.param('k', [1, 3, 6, 7])], { axis: 1 }),
      b.op('Concat', [x, y], { axis: -1 }),
      ...b.ops('Split', [x, b.ints('sp', [2, 3])], { axis: 1 }, 2),
      b.op('Slice', [
        x,
        b.ints('st', [-1, 1]),
        b.ints('en', [-100, 6]),
        b.ints('ax', [3, 1]),
        b.ints('stp', [-2, 2]),
      ]),
    );
    await expectWasmMatchesRef(b, { x: randomInput(new Rng(8), [1, 5, 6, 7]) }, 'moves');
  });
  it('Transpose, Reshape and Flatten across the channel axis, Squeeze/Unsqueeze', async () => {
    const b = new GraphBuilder('reshape', { opset: 13, seed: 9 });
    const x = b.input('x', [1, 6, 5, 3]);
    const t = b.op('Transpose', [x], { perm: [0, 2, 3, 1] });
    const shuffled = b.op('Reshape', [x, b.ints('s', [1, 2, 3, 15])]);
    b.output(
      t,
      b.op('Relu', [shuffled]),
      b.op('Flatten', [x], { axis: 1 }),
      b.op('Unsqueeze', [b.op('Squeeze', [x, b.ints('a', [0])]), b.ints('b', [3])]),
    );
    await expectWasmMatchesRef(b, { x: randomInput(new Rng(9), [1, 6, 5, 3]) }, 'reshape');
  });
  it('copies and broadcasts over 5 and 6 axes that nothing merges (outer axes looped around the rank-4 kernels)', async () => {
    await single('Transpose', [2, 5, 2, 4, 3], { perm: [4, 3, 2, 1, 0] });
    // Pixel shuffle as exporters write it: a 6-D transpose between two reshapes.
    await single('Transpose', [2, 2, 3, 3, 4, 5], { perm: [0, 1, 4, 2, 5, 3] });
    await single('Add', [2, 3, 4, 5, 6], {}, (b) => [b.param('c', [2, 1, 4, 1, 6])]);
    await single('Mul', [3, 1, 4, 1, 5], {}, (b) => [b.param('c', [3, 2, 1, 3, 5])]);
  });
  for (const mode of ['constant', 'reflect', 'edge']) {
    it(`Pad ${mode} (with a crop)`, async () => {
      await single('Pad', [1, 3, 5, 6], { mode }, (b) => [
        b.ints('p', [0, 1, 2, 3, 0, 0, 3, -1]),
        b.param('v', [], [0.25]),
      ]);
    });
  }
  for (const mode of ['reflect', 'edge']) {
    // The pads reach past the cropped window (reflect folds again, numpy-style, where onnxruntime
    // refuses): the window must be the cropped one, not the whole axis.
    it(`Pad ${mode}, cropped at one end and padded past the window at the other`, async () => {
      await single('Pad', [1, 3, 5, 6], { mode }, (b) => [b.ints('p', [0, 0, -3, 4, 0, 0, 4, -3])]);
    });
  }
  it('Gather with constant indices: a class plane (scalar index), negatives and repeats, 2-D indices', async () => {
    await single('Gather', [2, 21, 3, 5], { axis: 1 }, (b) => [
      b.constant('i', Tensor.fromNumbers('int64', [], [15])),
    ]);
    await single('Gather', [2, 6, 3, 5], { axis: -1 }, (b) => [b.ints('i', [-1, 0, 0, 2, 3])]);
    await single('Gather', [2, 6, 3, 5], { axis: 2 }, (b) => [b.ints('i', [1, 0, 2, 1], [2, 2])]);
  });
  it('Expand', async () => {
    await single('Expand', [1, 3, 1, 5], {}, (b) => [b.ints('s', [2, 3, 4, 5])]);
  });
});

describe('WASM reductions and matrix ops vs ref', () => {
  it('Softmax on channels and last axis; opset-11 coerce_2d', async () => {
    await single('Softmax', [1, 5, 3, 4], { axis: 1 });
    await single('Softmax', [2, 5, 3, 7], { axis: -1 });
    await single('Softmax', [2, 5, 3, 4], { axis: 1, coerce_2d: 1 });
  });
  it('ArgMax keepdims 0/1 (int64 output) and Cast of the labels', async () => {
    await single('ArgMax', [1, 5, 3, 7], { axis: 1, keepdims: 0 });
    await single('ArgMax', [2, 5, 3, 7], { axis: 2, keepdims: 1 });
    const b = new GraphBuilder('argcast', { seed: 2 });
    const x = b.input('x', [1, 6, 4, 5]);
    b.output(b.op('Cast', [b.op('ArgMax', [x], { axis: 1 })], { to: 1 }));
    await expectWasmMatchesRef(b, { x: randomInput(new Rng(2), [1, 6, 4, 5]) }, 'argcast');
  });
  it('ReduceMean / ReduceMax over spatial axes, keepdims 0/1', async () => {
    await single('ReduceMean', [2, 5, 3, 7], { axes: [2, 3], keepdims: 1 });
    await single('ReduceMax', [2, 5, 3, 7], { axes: [1], keepdims: 0 });
    await single('ReduceMax', [1, 5, 3, 7], { axes: [0, 3], keepdims: 0 });
  });
  it('Gemm with transB, alpha/beta and bias; MatMul batched with broadcasting', async () => {
    await single('Gemm', [3, 13], { transB: 1, alpha: 0.5, beta: 2 }, (b) => [
      b.param('w', [9, 13]),
      b.param('c', [9]),
    ]);
    await single('Gemm', [13, 3], { transA: 1 }, (b) => [b.param('w', [13, 17]), b.param('c', [3, 1])]);
    await single('MatMul', [2, 3, 5, 11], {}, (b) => [b.param('w', [3, 11, 6])]);
    const b = new GraphBuilder('mm', { seed: 12 });
    const x = b.input('x', [1, 4, 9]);
    b.output(b.op('MatMul', [x, b.op('Transpose', [x], { perm: [0, 2, 1] })]));
    await expectWasmMatchesRef(b, { x: randomInput(new Rng(12), [1, 4, 9]) }, 'mm');
  });
  it('Identity copies', async () => {
    await single('Identity', [1, 3, 2, 5]);
  });
});
