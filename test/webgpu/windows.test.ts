import { describe, expect, it } from 'vitest';
import { Session } from '../../src/engine/session.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import { expectMatchesRef, kernelStems, webgpuSkipReason } from './helpers.js';

const skip = await webgpuSkipReason();
if (skip) console.warn(`webgpu tests skipped: ${skip}`);

const TOL = { atol: 1e-5, rtol: 1e-5 };
const COORDS = ['half_pixel', 'pytorch_half_pixel', 'align_corners', 'asymmetric', 'tf_half_pixel_for_nn'];

describe.skipIf(skip !== undefined)('webgpu resize, pools, softmax, argmax, reduce vs ref', () => {
  it('Resize linear and nearest in every coordinate mode (up and down)', async () => {
    const b = new GraphBuilder('resize', { seed: 11 });
    const x = b.input('x', [1, 3, 5, 7]);
    const up = b.param('up', [4], [1, 1, 2.5, 1.75]);
    const size = b.ints('size', [1, 3, 3, 4]);
    const outs: string[] = [];
    // tf_half_pixel_for_nn too: N and C (scale 1) stay as they are, as onnxruntime leaves them.
    for (const coord of COORDS) {
      outs.push(b.op('Resize', [x, '', up], { mode: 'linear', coordinate_transformation_mode: coord }));
      outs.push(b.op('Resize', [x, '', '', size], { mode: 'linear', coordinate_transformation_mode: coord }));
      for (const nearest of ['round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil']) {
        outs.push(
          b.op('Resize', [x, '', up], {
            mode: 'nearest',
            coordinate_transformation_mode: coord,
            nearest_mode: nearest,
          }),
        );
      }
    }
    outs.push(b.op('Upsample', [x, b.param('us', [4], [1, 1, 2, 3])], { mode: 'nearest' }));
    b.output(...outs);
    await expectMatchesRef(b.build(), TOL);
  });

  it('a nearest Resize of the channel axis is refused with a typed error naming the node', async () => {
    const b = new GraphBuilder('resize_channels', { seed: 11 });
    const x = b.input('x', [1, 3, 5, 7]);
    const up = b.param('up', [4], [1, 2, 2, 2]);
    b.output(b.op('Resize', [x, '', up], { mode: 'nearest' }, { name: 'channels' }));
    await expect(Session.create(b.build(), { backend: 'webgpu', optimize: false })).rejects.toThrow(
      /node 'channels' \(Resize\).*axes other than the last two/,
    );
  });

  it('MaxPool / AveragePool (pads, strides, dilation, ceil_mode, count_include_pad), GlobalAveragePool', async () => {
    const b = new GraphBuilder('pools', { seed: 12 });
    const x = b.input('x', [2, 5, 9, 8]);
    b.output(
      b.op('MaxPool', [x], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }),
      b.op('MaxPool', [x], { kernel_shape: [2, 3], dilations: [2, 1], ceil_mode: 1, strides: [2, 2] }),
      b.op('AveragePool', [x], { kernel_shape: [3, 3], pads: [1, 1, 1, 1], count_include_pad: 1 }),
      b.op('AveragePool', [x], { kernel_shape: [3, 2], pads: [1, 0, 1, 1], strides: [2, 3], ceil_mode: 1 }),
      b.op('GlobalAveragePool', [x]),
    );
    await expectMatchesRef(b.build(), TOL);
  });

  it('Softmax (axis 1, last axis, coerce_2d), ArgMax (keepdims, select_last_index), ReduceMean/Max', async () => {
    const b = new GraphBuilder('rows', { seed: 13 });
    const x = b.input('x', [2, 5, 3, 7]);
    b.output(
      b.op('Softmax', [x], { axis: 1 }),
      b.op('Softmax', [x], { axis: -1 }),
      b.op('Softmax', [x], { axis: 2, coerce_2d: 1 }),
      b.op('ArgMax', [x], { axis: 1, keepdims: 1 }),
      b.op('ArgMax', [x], { axis: 3, keepdims: 0, select_last_index: 1 }),
      b.op('ReduceMean', [x, b.ints('ax', [2, 3])], { keepdims: 1 }),
      b.op('ReduceMax', [x, b.ints('ax1', [1])], { keepdims: 0 }),
    );
    await expectMatchesRef(b.build(), TOL);
  });

  it('ReduceMean/Max over axes apart (reduce_nd.wgsl), and apart only across size-1 axes (reduce.wgsl)', async () => {
    const b = new GraphBuilder('reduce_apart', { opset: 13, seed: 15 });
    const x = b.input('x', [3, 5, 1, 4, 6]);
    const outs = [
      b.op('ReduceMean', [x], { axes: [0, 3], keepdims: 1 }),
      b.op('ReduceMax', [x], { axes: [1, 4], keepdims: 0 }),
      b.op('ReduceMean', [x], { axes: [0, 2, 4], keepdims: 0 }),
      // [1, 3] are apart only across the size-1 axis 2: one contiguous run, reduce.wgsl.
      b.op('ReduceMax', [x], { axes: [1, 3], keepdims: 1 }),
      // Only size-1 axes: the values are unchanged.
      b.op('ReduceMean', [x], { axes: [2], keepdims: 0 }),
    ];
    b.output(...outs);
    const uses = await expectMatchesRef(b.build(), TOL);
    expect(kernelStems(uses)).toEqual(['reduce_nd', 'reduce_nd', 'reduce_nd', 'reduce']);
  });

  it('ArgMax picks the first of tied maxima (and the last with select_last_index)', async () => {
    const b = new GraphBuilder('ties', { seed: 14 });
    const x = b.input('x', [1, 4, 2, 3]);
    b.output(b.op('ArgMax', [x], { axis: 1 }), b.op('ArgMax', [x], { axis: 1, select_last_index: 1 }));
    const { Tensor } = await import('../../src/engine/tensor.js');
    const values = Float32Array.from({ length: 24 }, (_, i) => (i % 3 === 0 ? 1 : (i % 5) / 10));
    await expectMatchesRef(b.build(), { atol: 0, rtol: 0 }, 1, {
      x: new Tensor('float32', [1, 4, 2, 3], values),
    });
  });
});
