import { describe, expect, it } from 'vitest';
import { broadcastStrides, collapseAxes } from '../../src/engine/backends/webgpu/kernels/common.js';
import { Tensor } from '../../src/engine/tensor.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import { expectMatchesRef, kernelStems, webgpuSkipReason } from './helpers.js';

const skip = await webgpuSkipReason();
if (skip) console.warn(`webgpu tests skipped: ${skip}`);

const TOL = { atol: 1e-6, rtol: 1e-5 };

describe.skipIf(skip !== undefined)('webgpu activations, binary, BatchNormalization vs ref', () => {
  it('every activation (odd sizes), Clip from inputs and attrs', async () => {
    const b = new GraphBuilder('acts', { seed: 3 });
    const x = b.input('x', [2, 3, 5, 7]);
    const outs = [
      b.op('Relu', [x]),
      b.op('Sigmoid', [x]),
      b.op('Tanh', [x]),
      b.op('HardSwish', [x]),
      b.op('HardSigmoid', [x], { alpha: 0.3, beta: 0.4 }),
      b.op('LeakyRelu', [x], { alpha: 0.07 }),
      b.op('Clip', [x, b.constant('lo', Float32Scalar(-0.25)), b.constant('hi', Float32Scalar(0.5))]),
      b.op('Clip', [x]),
    ];
    b.output(...outs);
    await expectMatchesRef(b.build(), TOL);
  });

  it('Add/Sub/Mul/Div/PRelu with broadcasting, channels not divisible by 4', async () => {
    const b = new GraphBuilder('binary', { seed: 4 });
    const x = b.input('x', [2, 5, 3, 7]);
    const y = b.input('y', [5, 1, 7]);
    const s = b.param('s', [1, 5, 1, 1]);
    const d = b.param(
      'd',
      [7],
      Array.from({ length: 7 }, (_, i) => 0.5 + i),
    );
    b.output(
      b.op('Add', [x, y]),
      b.op('Sub', [y, x]),
      b.op('Mul', [x, s]),
      b.op('Div', [x, d]),
      b.op('PRelu', [x, b.param('slope', [5, 1, 1])]),
      b.op('Add', [x, x]),
    );
    const files = kernelStems(await expectMatchesRef(b.build(), TOL));
    // [2, 5, 3, 7] + [5, 1, 7] keeps four axes: the general kernel.
    expect(files).toContain('binary_nd');
    expect(files).toContain('binary');
  });

  it('same shapes of a multiple of 4 elements: four per invocation (binary_vec4.wgsl)', async () => {
    const b = new GraphBuilder('binary_vec4', { seed: 6 });
    const x = b.input('x', [2, 3, 5, 4]);
    const y = b.input('y', [2, 3, 5, 4]);
    b.output(
      b.op('Add', [x, y]),
      b.op('Sub', [y, x]),
      b.op('Mul', [x, y]),
      b.op('Div', [
        x,
        b.op('Add', [b.op('Mul', [y, y]), b.param('one', [2, 3, 5, 4], new Array(120).fill(1))]),
      ]),
      b.op('PRelu', [x, y]),
    );
    expect(new Set(kernelStems(await expectMatchesRef(b.build(), TOL, 6)))).toEqual(new Set(['binary_vec4']));
  });

  it('empty same-shape operands (0 elements, a multiple of 4): bound at the vec4 minimum, nothing run', async () => {
    const b = new GraphBuilder('empty_binary', { seed: 7 });
    const x = b.input('x', [0, 3, 4, 4]);
    b.output(b.op('Add', [x, b.op('Relu', [x])]));
    const g = b.build();
    expect(g.outputs[0]?.shape).toEqual([0, 3, 4, 4]);
    expect(kernelStems(await expectMatchesRef(g, TOL, 7))).toEqual(['activation', 'binary_vec4']);
  });

  it('broadcasts that collapse to two axes (the straight-line path) and to one', async () => {
    const b = new GraphBuilder('binary2', { seed: 5 });
    // A squeeze-excite scale [1, C, H, W] × [1, C, 1, 1], a row and a column broadcast, a scalar.
    const x = b.input('x', [1, 6, 5, 7]);
    const se = b.input('se', [1, 6, 1, 1]);
    const row = b.param('row', [1, 1, 1, 7]);
    const col = b.param('col', [5, 1]);
    const one = b.constant('one', Float32Scalar(0.75));
    b.output(
      b.op('Mul', [x, se]),
      b.op('Add', [row, x]),
      b.op('Sub', [b.input('x2', [5, 7]), col]),
      b.op('Div', [x, one]),
      b.op('Mul', [se, b.param('t', [3, 6, 1, 1])]),
    );
    expect(new Set(kernelStems(await expectMatchesRef(b.build(), TOL, 5)))).toEqual(new Set(['binary']));
  });

  it('BatchNormalization (inference) on size-1 spatial dims', async () => {
    const b = new GraphBuilder('bn', { seed: 5 });
    const x = b.input('x', [2, 6, 1, 3]);
    const v = b.param('var', [6], [0.5, 1, 2, 0.1, 3, 1.5]);
    b.output(
      b.op('BatchNormalization', [x, b.param('g', [6]), b.param('beta', [6]), b.param('mean', [6]), v], {
        epsilon: 1e-3,
      }),
    );
    await expectMatchesRef(b.build(), { atol: 1e-5, rtol: 1e-5 });
  });

  it('a value computed by a Constant node (folded, never run) is uploaded, not left empty', async () => {
    const b = new GraphBuilder('folded', { seed: 7 });
    const x = b.input('x', [2, 3]);
    const k = b.op('Constant', [], { value: new Tensor('float32', [3], Float32Array.of(1, -2, 3)) });
    b.output(b.op('Mul', [x, b.op('Relu', [k])]));
    await expectMatchesRef(b.build(), TOL);
  });

  it('a dispatch past 65535 workgroups (folded into 2-D)', async () => {
    const b = new GraphBuilder('big', { seed: 6 });
    // 4.3M elements / 64 per workgroup = 67188 workgroups.
    const x = b.input('x', [1, 3, 1200, 1194]);
    b.output(b.op('Sigmoid', [x]));
    await expectMatchesRef(b.build(), TOL);
  });
});

function Float32Scalar(v: number): Tensor {
  return new Tensor('float32', [], Float32Array.of(v));
}

describe('collapseAxes (the walk binary.wgsl and copy.wgsl get)', () => {
  const walk = (a: number[], b: number[], out: number[]) =>
    collapseAxes(out, [broadcastStrides(a, out), broadcastStrides(b, out)]);

  it('merges neighbours every operand walks as one, drops size-1 axes, keeps at least two', () => {
    expect(walk([1, 672, 8, 10], [1, 672, 1, 1], [1, 672, 8, 10])).toEqual({
      dims: [672, 80],
      strides: [
        [80, 1],
        [1, 0],
      ],
    });
    expect(walk([2, 3, 4], [2, 3, 4], [2, 3, 4])).toEqual({
      dims: [1, 24],
      strides: [
        [0, 1],
        [0, 1],
      ],
    });
    expect(walk([], [1], [])).toEqual({
      dims: [1, 1],
      strides: [
        [0, 0],
        [0, 0],
      ],
    });
    // [2, 5, 3, 7] + [5, 1, 7]: no two neighbours walk alike for both.
    expect(walk([2, 5, 3, 7], [5, 1, 7], [2, 5, 3, 7]).dims).toEqual([2, 5, 3, 7]);
    // [2, 1, 3] × [1, 4, 1]: each keeps its axes.
    expect(walk([2, 1, 3], [1, 4, 1], [2, 4, 3])).toEqual({
      dims: [2, 4, 3],
      strides: [
        [3, 0, 1],
        [0, 1, 0],
      ],
    });
  });
});
