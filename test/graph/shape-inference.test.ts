import { describe, expect, it } from 'vitest';
import { Tensor } from '../../src/engine/tensor.js';
import { InputError, ShapeError } from '../../src/errors.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import { inferShapes, isStatic } from '../../src/graph/shape-inference.js';

describe('inferShapes', () => {
  it('infers dtypes and shapes through a small network', () => {
    const b = new GraphBuilder('net');
    const x = b.input('x', [1, 3, 8, 8]);
    const c = b.op('Conv', [x, b.param('w', [5, 3, 3, 3])], { strides: [2, 2], pads: [1, 1, 1, 1] });
    const p = b.op('MaxPool', [b.op('Relu', [c])], { kernel_shape: [2, 2], strides: [2, 2] });
    b.output(p);
    const infos = inferShapes(b.build());
    expect(infos.get(c)).toEqual({ dtype: 'float32', shape: [1, 5, 4, 4] });
    expect(infos.get(p)?.shape).toEqual([1, 5, 2, 2]);
    expect(infos.get(p)?.value).toBeUndefined();
  });

  it('passes symbolic dims through and replaces them with given input shapes', () => {
    const b = new GraphBuilder('sym');
    const r = b.op('Relu', [b.input('x', ['N', 3, 'H', 'W'])]);
    b.output(r);
    const g = b.build();
    const sym = inferShapes(g).get(r)?.shape ?? [];
    expect(sym).toEqual(['N', 3, 'H', 'W']);
    expect(isStatic(sym)).toBe(false);
    const concrete = inferShapes(g, { inputShapes: { x: [2, 3, 5, 7] } }).get(r)?.shape ?? [];
    expect(concrete).toEqual([2, 3, 5, 7]);
    expect(isStatic(concrete)).toBe(true);
  });

  it('rejects given input shapes that contradict the model, naming the input', () => {
    const b = new GraphBuilder('bad-input');
    b.output(b.op('Relu', [b.input('image', ['N', 3, 4])]));
    const g = b.build();
    expect(() => inferShapes(g, { inputShapes: { image: [1, 4, 4] } })).toThrow(InputError);
    expect(() => inferShapes(g, { inputShapes: { image: [1, 3] } })).toThrow(/'image'/);
  });

  it('evaluates what is computable from constants, including Shape of a static input', () => {
    const b = new GraphBuilder('const');
    const x = b.input('x', [2, 6]);
    const sum = b.op('Add', [b.param('a', [2], [1, 2]), b.param('c', [2], [3, 4])]);
    const shape = b.op('Shape', [x]);
    const dim = b.op('Gather', [shape, b.constant('one', Tensor.scalar('int64', 1))], { axis: 0 });
    b.output(sum, dim, b.op('Relu', [x]));
    const infos = inferShapes(b.build());
    expect(infos.get(sum)?.value?.toNumbers()).toEqual([4, 6]);
    expect(infos.get(shape)?.value?.toNumbers()).toEqual([2, 6]);
    expect(infos.get(dim)?.value?.toNumbers()).toEqual([6]);
    expect(infos.get(dim)?.shape).toEqual([]);
  });

  it('does not evaluate Shape of a symbolic input, nor an overridable initializer', () => {
    const b = new GraphBuilder('not-const');
    const shape = b.op('Shape', [b.input('x', ['N', 6])]);
    const d = b.input('d', [2]);
    b.param('d', [2], [1, 1]);
    const r = b.op('Relu', [d]);
    b.output(shape, r);
    const infos = inferShapes(b.build());
    expect(infos.get(shape)?.value).toBeUndefined();
    expect(infos.get(shape)?.shape).toEqual([2]);
    expect(infos.get(r)?.value).toBeUndefined();
  });

  it('respects foldLimit', () => {
    const b = new GraphBuilder('limit');
    const big = b.op('ConstantOfShape', [b.ints('dims', [50, 50])], {
      value: Tensor.fromNumbers('float32', [1], [2]),
    });
    b.output(big);
    const g = b.build();
    expect(inferShapes(g, { foldLimit: 100 }).get(big)?.value).toBeUndefined();
    expect(inferShapes(g, { foldLimit: 2500 }).get(big)?.value?.size).toBe(2500);
    expect(inferShapes(g).get(big)?.shape).toEqual([50, 50]);
  });

  it('names the node whose shapes do not fit', () => {
    const b = new GraphBuilder('mismatch');
    b.output(b.op('Conv', [b.input('x', [1, 8, 5, 5]), b.param('w', [4, 3, 3, 3])], {}, { name: 'conv1' }));
    let caught: unknown;
    try {
      b.build();
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(ShapeError);
    expect((caught as ShapeError).nodeName).toBe('conv1');
    expect((caught as ShapeError).message).toMatch(/'conv1'.*8 channels/);
  });
});
