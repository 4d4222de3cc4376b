import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tuning } from '../../src/engine/backends/webgpu/index.js';
import { hashText } from '../../src/engine/backends/webgpu/shaders.js';
import { specialization } from '../../src/engine/backends/webgpu/specialize.js';
import type { Tensor } from '../../src/engine/tensor.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import type { Graph } from '../../src/graph/ir.js';
import type { Tolerance } from '../helpers/compare.js';
import { conv, ksacGraph, ksacSumGraph, residualGraph } from './conv-graphs.js';
import { expectMatchesRef, kernelStems, webgpuSkipReason } from './helpers.js';
import { nearestSpecialsCase } from './resize-graphs.js';

const skip = await webgpuSkipReason();
if (skip) console.warn(`webgpu as-written tests skipped: ${skip}`);

const TOL = { atol: 1e-4, rtol: 1e-4 };
const EXACT = { atol: 0, rtol: 0 };

/**
 * The kernels' `// #if` regions (specialize.ts) only drop code the overrides make dead: the files
 * as written must give the same results. These graphs run with specialisation off; each pipeline
 * then compiles its kernel's whole text (the file is named by the source's own hash).
 */
async function asWritten(
  graph: Graph,
  tol: (want: Tensor) => Tolerance = () => TOL,
  feeds?: Record<string, Tensor>,
) {
  const uses = await expectMatchesRef(graph, tol, 1, feeds);
  expect(uses.length).toBeGreaterThan(0);
  for (const [i, stem] of kernelStems(uses).entries()) {
    const u = uses[i] as (typeof uses)[number];
    const source = readFileSync(`kernels/${stem}.wgsl`, 'utf8');
    expect(u.file, u.node).toBe(`${stem}-${hashText(source)}.wgsl`);
  }
  return uses;
}

/** Depthwise 3×3 (+ HardSwish) then a pointwise 1×1 (+ Clip): depthwise.wgsl, conv_pixel/conv_gemm. */
function separableGraph(): Graph {
  const b = new GraphBuilder('separable', { seed: 21 });
  const x = b.input('x', [1, 6, 9, 7]);
  const dw = conv(b, x, 'dw', [6, 1, 3, 3], {
    group: 6,
    pads: [1, 1, 1, 1],
    activation: 'HardSwish',
  });
  b.output(conv(b, dw, 'pw', [5, 6, 1, 1], { activation: 'Clip', activation_params: [0, 6] }));
  return b.build();
}

/** A 3×3 conv to 32 channels (+ Tanh) and a 1×1 to 16: conv_gemm at CBK 8 and 4 once upgraded. */
function wideGraph(): Graph {
  const b = new GraphBuilder('wide', { seed: 25 });
  const x = b.input('x', [1, 5, 9, 7]);
  const c = conv(b, x, 'c', [32, 5, 3, 3], { pads: [1, 1, 1, 1], activation: 'Tanh' });
  b.output(conv(b, c, 'd', [16, 32, 1, 1]));
  return b.build();
}

/** Plain, softmax and argmax resizes: 8× (2 × 8 cells), 3 × 2.5 (short cells), nearest. */
function resizeGraph(): Graph {
  const b = new GraphBuilder('resizes', { seed: 22 });
  const x = b.input('x', [1, 5, 4, 6]);
  const outs: string[] = [];
  const scales: [string, number[]][] = [
    ['x8', [1, 1, 8, 8]],
    ['odd', [1, 1, 3, 2.5]],
  ];
  for (const mode of ['linear', 'nearest']) {
    for (const [tag, s] of scales) {
      const at = { mode, coordinate_transformation_mode: 'half_pixel' };
      const r = (n: string) => b.op('Resize', [x, '', b.param(`${n}.s`, [4], s)], at, { name: n });
      const name = `${mode}_${tag}`;
      outs.push(r(`${name}_plain`));
      outs.push(b.op('Softmax', [r(`${name}_sm`)], { axis: 1 }, { name: `${name}_sm_head` }));
      outs.push(
        b.op('ArgMax', [r(`${name}_am`)], { axis: 1, select_last_index: 1 }, { name: `${name}_am_head` }),
      );
      const probs = b.op('Softmax', [r(`${name}_smam`)], { axis: 1 }, { name: `${name}_smam_sm` });
      outs.push(b.op('ArgMax', [probs], { axis: 1 }, { name: `${name}_smam_am` }));
    }
  }
  b.output(...outs);
  return b.build();
}

describe.skipIf(skip !== undefined)('webgpu kernels as written (no // #if region dropped) vs ref', () => {
  beforeAll(() => {
    specialization.enabled = false;
  });
  afterAll(() => {
    specialization.enabled = true;
    tuning.tiered = undefined;
    tuning.software = undefined;
  });

  it('conv kernels (conv_gemm at CBK 1-8, conv_pixel, depthwise): residual + LeakyRelu, KSAC rates + Clip/Relu, summed rates, HardSwish, Tanh', async () => {
    const stems = new Set<string>();
    const cbks: number[] = [];
    const graphs = [
      residualGraph(true, true, false),
      ksacGraph(6, 4, [7, 9]),
      ksacSumGraph(1),
      separableGraph(),
      wideGraph(),
    ];
    // Tiered (the first tier's uses; expectMatchesRef checks the upgrades' results too), then
    // untiered: each conv on its own CBK from the start; then the GPU tuning (conv_pixel).
    for (const [tiered, software] of [
      [true, true],
      [false, true],
      [true, false],
    ]) {
      tuning.tiered = tiered;
      tuning.software = software;
      for (const g of graphs) {
        const uses = await asWritten(g);
        for (const stem of kernelStems(uses)) stems.add(stem);
        for (const u of uses) if (u.overrides.CBK !== undefined) cbks.push(u.overrides.CBK);
      }
    }
    expect([...stems].filter((s) => /^(conv_|depthwise)/.test(s)).length).toBeGreaterThan(1);
    expect(cbks).toEqual(expect.arrayContaining([1, 2, 4, 8]));
    // conv_gemm, or conv_gemm_nosg on an adapter without subgroups.
    expect([...stems].some((s) => s.startsWith('conv_gemm'))).toBe(true);
    expect([...stems]).toEqual(expect.arrayContaining(['conv_pixel', 'depthwise']));
  });

  it('resize kernels: plain, softmax, argmax (select_last) and softmax→argmax; linear and nearest; long and short cells', async () => {
    const uses = await asWritten(resizeGraph(), (want) => (want.dtype === 'int64' ? EXACT : TOL));
    const stems = new Set(kernelStems(uses));
    expect([...stems].sort()).toEqual(['resize', 'resize_argmax', 'resize_softmax']);
  });

  it('nearest resize kernels copy ±inf and NaN as they are', async () => {
    const { graph, feeds } = nearestSpecialsCase();
    await asWritten(graph, () => EXACT, feeds);
  });
});
