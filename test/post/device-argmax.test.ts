import { describe, expect, it } from 'vitest';
import { Session } from '../../src/engine/session.js';
import { Tensor } from '../../src/engine/tensor.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import { withDeviceArgmax } from '../../src/post/datasets/device-argmax.js';
import { scoreLayout } from '../../src/post/datasets/model-io.js';
import { argmaxLabels } from '../../src/post/metrics/evaluator.js';
import { Rng } from '../../src/util/random.js';

function scoresModel(channels: number, outputs = 1) {
  const b = new GraphBuilder('scores');
  const x = b.input('x', [1, channels, 5, 7]);
  const outs = Array.from({ length: outputs }, (_, i) => b.op('Mul', [x, b.param(`s${i}`, [1], [i + 1])]));
  b.output(...outs);
  return b.build();
}

describe('withDeviceArgmax', () => {
  it('makes the label map the only output; the labels equal the argmax of the scores (first index on ties)', async () => {
    const graph = scoresModel(4);
    const argmax = withDeviceArgmax(graph);
    expect(argmax?.channels).toBe(4);
    expect(argmax?.graph.outputs).toEqual([{ name: argmax?.output, dtype: 'int64', shape: [1, 5, 7] }]);
    const values = new Rng(3).floats(4 * 35, -1, 1);
    values.fill(0.5, 0, 35); // channel 0 ...
    values.fill(0.5, 35, 70); // ... ties with channel 1 everywhere it is the maximum
    const x = new Tensor('float32', [1, 4, 5, 7], values);
    for (const backend of ['ref', 'wasm'] as const) {
      const session = await Session.create(argmax?.graph ?? graph, { backend });
      const out = (await session.run({ x }))[argmax?.output as string] as Tensor;
      session.release();
      expect(out.dims).toEqual([1, 5, 7]);
      expect(Array.from(out.toNumbers()), backend).toEqual(Array.from(argmaxLabels(values, 4, 35)));
    }
  });

  it('NHWC models (TFLite): the argmax runs over the last axis; scoreLayout makes the scores planar', async () => {
    const b = new GraphBuilder('nhwc');
    b.output(b.op('Relu', [b.input('x', [1, 2, 3, 4])]));
    const graph = b.build();
    const argmax = withDeviceArgmax(graph, 'NHWC');
    expect(argmax?.channels).toBe(4);
    expect(argmax?.graph.outputs[0]?.shape).toEqual([1, 2, 3]);
    const values = new Rng(5).floats(24, 0.1, 1); // positive: Relu keeps them
    const x = new Tensor('float32', [1, 2, 3, 4], values);
    const planar = scoreLayout('y', x, 'NHWC');
    expect([planar.channels, planar.h, planar.w]).toEqual([4, 2, 3]);
    expect(planar.data[2 * 6 + 5]).toBe(values[5 * 4 + 2]); // channel 2 of pixel 5
    const session = await Session.create(argmax?.graph ?? graph, { backend: 'ref' });
    const labels = (await session.run({ x }))[argmax?.output as string] as Tensor;
    expect(Array.from(labels.toNumbers())).toEqual(Array.from(argmaxLabels(planar.data, 4, 6)));
    // A one-channel NHWC output (selfie models) has nothing to argmax.
    const one = new GraphBuilder('one');
    one.output(one.op('Sigmoid', [one.input('x', [1, 8, 8, 1])]));
    expect(withDeviceArgmax(one.build(), 'NHWC')).toBeUndefined();
  });

  it('leaves models it does not fit alone: one channel, several outputs', () => {
    expect(withDeviceArgmax(scoresModel(1))).toBeUndefined();
    expect(withDeviceArgmax(scoresModel(3, 2))).toBeUndefined();
  });
});
