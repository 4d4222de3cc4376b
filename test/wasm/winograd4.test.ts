import { describe, expect, it } from 'vitest';
import { useWinograd4 } from '../../src/engine/backends/wasm/winograd.js';
import { Session } from '../../src/engine/session.js';
import type { Tensor } from '../../src/engine/tensor.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import { Rng, randomInput } from './ref-oracle.js';
import { runWasm } from './threads-helpers.js';

const axis = (out: number, dilation: number) => ({
  inSize: out,
  out,
  k: 3,
  stride: 1,
  dilation,
  padBegin: dilation,
  padEnd: dilation,
});

/** A 3×3 conv (pad = dilation) of c → m channels on an h×w map, with a fused activation. */
function conv3x3(c: number, m: number, h: number, w: number, d: number, activation = '') {
  const b = new GraphBuilder('w4', { seed: c + m + d });
  const x = b.input('x', [1, c, h, w]);
  const weight = b.param('w', [m, c, 3, 3], undefined, 1 / Math.sqrt(9 * c));
  b.output(
    b.op('Conv', [x, weight, b.param('b', [m])], {
      kernel_shape: [3, 3],
      pads: [d, d, d, d],
      dilations: [d, d],
      ...(activation ? { activation } : {}),
    }),
  );
  return { graph: b.build(), x: randomInput(new Rng(d + 1), [1, c, h, w]) };
}

/** max |wasm − ref| / max |ref| over the output (F(4) allowed or not). */
async function relError(
  c: number,
  m: number,
  h: number,
  w: number,
  d: number,
  act: string,
  four: boolean,
): Promise<number> {
  const { graph, x } = conv3x3(c, m, h, w, d, act);
  const ref = await Session.create(graph, { backend: 'ref', optimize: false });
  const want = Object.values(await ref.run({ x }))[0] as Tensor;
  const got = (await runWasm(graph, { x }, 2, 0, four)).outputs.values().next().value as Tensor;
  expect(got.dims).toEqual(want.dims);
  let err = 0;
  let scale = 0;
  for (let i = 0; i < want.size; i++) {
    err = Math.max(err, Math.abs(got.get(i) - want.get(i)));
    scale = Math.max(scale, Math.abs(want.get(i)));
  }
  return err / scale;
}

describe('Winograd F(4x4, 3x3)', () => {
  it('is chosen where its tiles cost less than F(2x2, 3x3) (large maps), not on small dilated ones', () => {
    expect(useWinograd4(axis(64, 6), axis(64, 6))).toBe(true);
    expect(useWinograd4(axis(32, 1), axis(40, 1))).toBe(true);
    expect(useWinograd4(axis(33, 18), axis(33, 18))).toBe(false);
    expect(useWinograd4(axis(5, 2), axis(5, 2))).toBe(false);
  });

  // Measured here: F(4) 1.9e-6..5.6e-6 relative, F(2) 1.4e-7..3.0e-7 (F(4)'s larger transform
  // constants cost about 15x); bounds leave about 2x headroom.
  it('runs (split over 2 threads) and matches the ref backend within 1e-5 relative (F(2): 1e-6)', async () => {
    const cases: [number, number, number, number, number, string][] = [
      [16, 16, 20, 23, 1, ''],
      [32, 24, 26, 19, 2, 'Relu'],
      [12, 10, 48, 44, 6, 'HardSwish'],
      [64, 64, 17, 16, 1, ''],
    ];
    for (const [c, m, h, w, d, act] of cases) {
      const { graph, x } = conv3x3(c, m, h, w, d, act);
      const r = await runWasm(graph, { x }, 2);
      expect(r.regions.get('winograd4Nhwc') ?? 0, `F(4) used for ${[c, m, h, w, d]}`).toBeGreaterThan(0);
      const e4 = await relError(c, m, h, w, d, act, true);
      const e2 = await relError(c, m, h, w, d, act, false);
      expect(e4, `F(4) relative error ${[c, m, h, w, d]}`).toBeLessThan(1e-5);
      expect(e2, `F(2) relative error ${[c, m, h, w, d]}`).toBeLessThan(1e-6);
    }
  });
});
