import { describe, expect, it } from 'vitest';
import { Tensor } from '../../src/engine/tensor.js';
import { UnsupportedAttributeError } from '../../src/errors.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import { infer, rand, randInt, runRef } from '../helpers/ops.js';
import { expectMatchesOrt } from '../helpers/ort.js';

const EXACT = { atol: 0, rtol: 0 };

describe('Identity', () => {
  it('passes values through, any dtype, and does not alias the input', async () => {
    const g = new GraphBuilder('id');
    g.output(g.op('Identity', [g.input('x', [2, 2], 'int64')]));
    const x = randInt('int64', [2, 2], 1);
    const y = Object.values(await runRef(g.build(), { x }))[0] as Tensor;
    expect(y.toNumbers()).toEqual(x.toNumbers());
    expect(y.data).not.toBe(x.data);
    await expectMatchesOrt(g.build(), { x }, EXACT);
  });
});

describe('Dropout (inference)', () => {
  it('opset 11 ratio attribute; mask output is all-true bool', async () => {
    const g = new GraphBuilder('drop', { opset: 11 });
    g.output(...g.ops('Dropout', [g.input('x', [2, 3])], { ratio: 0.3 }, 2));
    const x = rand([2, 3], 1);
    const [y, mask] = Object.values(await runRef(g.build(), { x })) as Tensor[];
    expect(y?.toNumbers()).toEqual(x.toNumbers());
    expect(mask?.dtype).toBe('bool');
    expect(mask?.toNumbers()).toEqual([1, 1, 1, 1, 1, 1]);
    // onnxruntime zeroes the mask before opset 12 (an ORT quirk; ONNX's reference gives ones), so
    // compare only the data output there.
    const one = new GraphBuilder('drop1', { opset: 11 });
    one.output(one.op('Dropout', [one.input('x', [2, 3])], { ratio: 0.3 }));
    await expectMatchesOrt(one.build(), { x }, EXACT);
  });

  it('opset 13 ratio and training_mode = false inputs', async () => {
    const g = new GraphBuilder('drop13', { opset: 13 });
    const ratio = g.constant('ratio', Tensor.scalar('float32', 0.5));
    const train = g.constant('train', Tensor.scalar('bool', 0));
    g.output(...g.ops('Dropout', [g.input('x', [4]), ratio, train], {}, 2));
    await expectMatchesOrt(g.build(), { x: rand([4], 2) }, EXACT);
  });

  it('training_mode = true is a clear UnsupportedAttributeError', () => {
    const train = Tensor.scalar('bool', 1);
    expect(() => infer('Dropout', [[4], undefined, train])).toThrow(UnsupportedAttributeError);
    expect(() => infer('Dropout', [[4], undefined, train])).toThrow(/training_mode.*inference only/);
    expect(infer('Dropout', [['N', 4]], {}, 2).map((o) => o.dtype)).toEqual(['float32', 'bool']);
  });
});
