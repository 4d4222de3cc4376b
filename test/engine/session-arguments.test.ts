import { describe, expect, it } from 'vitest';
import type { BackendName } from '../../src/engine/backend.js';
import { Session } from '../../src/engine/session.js';
import { Tensor } from '../../src/engine/tensor.js';
import { InputError } from '../../src/errors.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import { Rng } from '../../src/util/random.js';
import { webgpuSkipReason } from '../webgpu/helpers.js';

/**
 * What Session.create and Session.run accept, on every backend: bad arguments are InputErrors that
 * say what was given, overlapping runs queue.
 */
const skip = await webgpuSkipReason();
const BACKENDS: BackendName[] = skip ? ['ref', 'wasm'] : ['ref', 'wasm', 'webgpu'];

function model() {
  const b = new GraphBuilder('feeds', { seed: 3 });
  const x = b.input('x', [1, 3, 8, 8]);
  b.output(b.op('Relu', [b.op('Conv', [x, b.param('w', [4, 3, 3, 3])], { pads: [1, 1, 1, 1] })]));
  return b.build();
}

const rng = new Rng(5);
const input = () => new Tensor('float32', [1, 3, 8, 8], rng.floats(192));

describe('Session.create arguments', () => {
  it('a path, null or a half-made graph is named, not a TypeError from inside', async () => {
    const graph = model();
    const bad: [unknown, unknown, RegExp][] = [
      ['model.onnx', {}, /a model is its bytes .* or a Graph; got the string 'model.onnx'/],
      [null, {}, /got null/],
      [{ ...graph, initializers: undefined }, {}, /or a Graph; got object/],
      [graph, null, /options must be an object \(SessionOptions\), got null/],
    ];
    for (const [m, options, message] of bad) {
      const create = () => Session.create(m as Parameters<typeof Session.create>[0], options as object);
      await expect(create()).rejects.toThrow(InputError);
      await expect(create()).rejects.toThrow(message);
    }
  });
});

describe.each(BACKENDS)('Session.run feeds on %s', (backend) => {
  it('names what is wrong with bad feeds (InputError, never a TypeError)', async () => {
    const s = await Session.create(model(), { backend });
    const bad: [Record<string, Tensor>, RegExp][] = [
      [{}, /missing input 'x' \(float32 \[1, 3, 8, 8\]\)/],
      [{ x: input(), y: input() }, /'y' is not an input of this model; inputs: x/],
      [{ x: new Tensor('float32', [1, 3, 8, 9], new Float32Array(216)) }, /has shape \[1, 3, 8, 9\]/],
      [{ x: new Tensor('int64', [1, 3, 8, 8], new BigInt64Array(192)) }, /must be float32, got int64/],
      [{ x: new Float32Array(192) as unknown as Tensor }, /input 'x' is not a Tensor/],
      [
        { x: { dtype: 'float32', dims: [1, 3, 8, 8], data: new Float32Array(10) } as unknown as Tensor },
        /input 'x' holds 10 values for shape \[1, 3, 8, 8\] \(192\)/,
      ],
      [
        null as unknown as Record<string, Tensor>,
        /feeds must be an object of input name -> Tensor, got null/,
      ],
    ];
    try {
      for (const [feeds, message] of bad) {
        await expect(s.run(feeds)).rejects.toThrow(InputError);
        await expect(s.run(feeds)).rejects.toThrow(message);
      }
    } finally {
      s.release();
    }
  });

  it('runs asked for while others are in flight queue and give what one-at-a-time runs give', async () => {
    const s = await Session.create(model(), { backend });
    try {
      const inputs = Array.from({ length: 5 }, input);
      const one: Tensor[] = [];
      for (const x of inputs) one.push((await s.run({ x })).Relu_0 as Tensor);
      const overlapping = await Promise.all(inputs.map((x) => s.run({ x })));
      overlapping.forEach((o, i) => {
        expect(Array.from((o.Relu_0 as Tensor).data as Float32Array)).toEqual(
          Array.from((one[i] as Tensor).data as Float32Array),
        );
      });
    } finally {
      s.release();
    }
  });
});
