import { describe, expect, it } from 'vitest';
import type { Tensor } from '../../src/engine/tensor.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import { expectWasmMatchesRef, Rng, randomInput } from './ref-oracle.js';
import { differingElements, runWasm } from './threads-helpers.js';

/**
 * GCN separable branches (Peng et al. 2017): (k×1 → 1×k) + (1×k → k×1) with large k. They run on
 * 1-D Winograd F(4, 3) over 3-tap kernel segments (assembly/winograd_line.ts, 2× fewer multiplies
 * than the direct conv at k = 15). These tests pin that path on GCN shapes: odd maps, channels not
 * divisible by 4 or 8, kernels not a multiple of 3, pads wider than the map.
 */
function gcnBlock(c: number, m: number, h: number, w: number, k: number, bias: boolean) {
  const b = new GraphBuilder('gcn', { seed: c * 31 + k });
  const x = b.input('x', [1, c, h, w]);
  let n = 0;
  const conv = (v: string, cin: number, kh: number, kw: number) => {
    const weight = b.param(`w${n}`, [m, cin, kh, kw], undefined, 1 / Math.sqrt(cin * k));
    const inputs = bias ? [v, weight, b.param(`b${n}`, [m])] : [v, weight];
    n++;
    const ph = (kh - 1) / 2;
    const pw = (kw - 1) / 2;
    return b.op('Conv', inputs, { kernel_shape: [kh, kw], pads: [ph, pw, ph, pw] });
  };
  const left = conv(conv(x, c, k, 1), m, 1, k);
  const right = conv(conv(x, c, 1, k), m, k, 1);
  b.output(b.op('Add', [left, right]));
  return { b, x: randomInput(new Rng(c + h * k), [1, c, h, w]) };
}

const SHAPES: [number, number, number, number, number, boolean][] = [
  [32, 21, 32, 32, 15, true], // bench gcn15
  [5, 7, 13, 11, 15, false], // pads (7) wider than half the map, odd sizes
  [9, 3, 6, 5, 15, true], // k > map: most taps read the zero row
  [13, 10, 17, 19, 7, true],
  [4, 12, 9, 9, 9, false],
];

describe('wasm GCN k×1 / 1×k branches', () => {
  for (const [c, m, h, w, k, bias] of SHAPES) {
    it(`${c}→${m} @${h}×${w} k${k}${bias ? '' : ' no bias'} matches ref`, async () => {
      const { b, x } = gcnBlock(c, m, h, w, k, bias);
      await expectWasmMatchesRef(b, { x }, `gcn ${c}→${m} k${k}`, 1e-4);
    });
  }

  it('gives the same bits on 1 and 2 threads', async () => {
    const { b, x } = gcnBlock(12, 21, 23, 21, 15, true);
    const graph = b.build();
    const one = await runWasm(graph, { x }, 1);
    const two = await runWasm(graph, { x }, 2);
    expect(two.regions.get('winogradLineNhwc') ?? 0).toBeGreaterThanOrEqual(4);
    const name = graph.outputs[0]?.name as string;
    expect(differingElements(one.outputs.get(name) as Tensor, two.outputs.get(name) as Tensor)).toBe(0);
  });
});
