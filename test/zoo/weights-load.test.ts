import { describe, expect, it } from 'vitest';
import { Session } from '../../src/engine/session.js';
import { Tensor } from '../../src/engine/tensor.js';
import { AtrousError } from '../../src/errors.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import type { Graph } from '../../src/graph/ir.js';
import { Rng } from '../../src/util/random.js';
import {
  countParameters,
  loadWeights,
  parameterRoles,
  randomWeights,
  WeightsMismatchError,
} from '../../src/zoo/weights/index.js';
import { expectClose } from '../helpers/compare.js';

/** conv(3→4, 3x3) → BatchNorm → Relu → Resize ×2 (scales constant) → conv(4→2, 1x1, bias). */
function tinyNet(): Graph {
  const b = new GraphBuilder('tiny', { seed: 9 });
  const x = b.input('x', [1, 3, 6, 6]);
  let y = b.op('Conv', [x, b.param('conv1.weight', [4, 3, 3, 3])], { pads: [1, 1, 1, 1] });
  const bn = ['weight', 'bias', 'running_mean', 'running_var'].map((p) => b.param(`bn1.${p}`, [4]));
  y = b.op('Relu', [b.op('BatchNormalization', [y, ...bn])]);
  const scales = b.constant('up.scales', Tensor.fromNumbers('float32', [4], [1, 1, 2, 2]));
  y = b.op('Resize', [y, '', scales], { mode: 'nearest' });
  b.output(b.op('Conv', [y, b.param('head.weight', [2, 4, 1, 1]), b.param('head.bias', [2])]));
  return b.build();
}

/** A state_dict for tinyNet, as PyTorch would save it (with the BN step counter). */
function stateDict(seed: number): Map<string, Tensor> {
  const rng = new Rng(seed);
  const f = (dims: number[], lo = -1, hi = 1) =>
    new Tensor(
      'float32',
      dims,
      rng.floats(
        dims.reduce((a, c) => a * c, 1),
        lo,
        hi,
      ),
    );
  return new Map<string, Tensor>([
    ['conv1.weight', f([4, 3, 3, 3])],
    ['bn1.weight', f([4])],
    ['bn1.bias', f([4])],
    ['bn1.running_mean', f([4])],
    ['bn1.running_var', f([4], 0.5, 2)],
    ['bn1.num_batches_tracked', Tensor.fromNumbers('int64', [], [100])],
    ['head.weight', f([2, 4, 1, 1])],
    ['head.bias', f([2])],
  ]);
}

describe('loadWeights', () => {
  it('replaces every parameter by name, ignores num_batches_tracked, leaves constants and the input graph alone', async () => {
    const graph = tinyNet();
    const weights = stateDict(1);
    const loaded = loadWeights(graph, weights);
    for (const [name, t] of weights) {
      if (name.endsWith('num_batches_tracked')) expect(loaded.initializers.has(name)).toBe(false);
      else expect(loaded.initializers.get(name), name).toBe(t);
    }
    expect(loaded.initializers.get('up.scales')).toBe(graph.initializers.get('up.scales'));
    expect(graph.initializers.get('conv1.weight')).not.toBe(weights.get('conv1.weight'));
    // The loaded graph computes with the new weights: same as a graph built with them directly.
    const direct: Graph = { ...graph, initializers: new Map(graph.initializers) };
    for (const [name, t] of weights) if (graph.initializers.has(name)) direct.initializers.set(name, t);
    const x = new Tensor('float32', [1, 3, 6, 6], new Rng(2).floats(108));
    const a = await Session.create(loaded, { optimize: false });
    const b = await Session.create(direct, { optimize: false });
    const out = (await a.run({ x }))[graph.outputs[0]?.name as string] as Tensor;
    const ref = (await b.run({ x }))[graph.outputs[0]?.name as string] as Tensor;
    expectClose(out, ref, { atol: 0, rtol: 0 }, 'loaded vs direct');
    const before = (await (await Session.create(graph, { optimize: false })).run({ x }))[
      graph.outputs[0]?.name as string
    ] as Tensor;
    expect(before.toNumbers()).not.toEqual(out.toNumbers());
  });

  it('converts float64 weights to the graph dtype', () => {
    const weights = stateDict(1);
    weights.set('head.bias', Tensor.fromNumbers('float64', [2], [0.25, -1.5]));
    const loaded = loadWeights(tinyNet(), weights);
    const bias = loaded.initializers.get('head.bias') as Tensor;
    expect(bias.dtype).toBe('float32');
    expect(bias.toNumbers()).toEqual([0.25, -1.5]);
  });

  it('lists every missing, mis-shaped, mistyped and unexpected tensor in one error', () => {
    const weights = stateDict(1);
    weights.delete('bn1.running_var');
    weights.delete('head.bias');
    weights.set('conv1.weight', new Tensor('float32', [4, 3, 5, 5]));
    weights.set('bn1.weight', Tensor.fromNumbers('int32', [4], [1, 1, 1, 1]));
    weights.set('aux.weight', new Tensor('float32', [7]));
    let error: unknown;
    try {
      loadWeights(tinyNet(), weights);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(WeightsMismatchError);
    const e = error as WeightsMismatchError;
    expect(e).toBeInstanceOf(AtrousError);
    expect(e.code).toBe('WEIGHTS_MISMATCH');
    expect(e.mismatches).toEqual([
      { name: 'bn1.running_var', kind: 'missing', expected: 'float32 [4]' },
      { name: 'head.bias', kind: 'missing', expected: 'float32 [2]' },
      { name: 'conv1.weight', kind: 'shape', expected: 'float32 [4, 3, 3, 3]', got: 'float32 [4, 3, 5, 5]' },
      { name: 'bn1.weight', kind: 'dtype', expected: 'float32 [4]', got: 'int32 [4]' },
      { name: 'aux.weight', kind: 'unexpected', got: 'float32 [7]' },
    ]);
    expect(e.message).toContain("weights do not match model 'tiny' (5 problems):");
    expect(e.message).toContain('  missing: bn1.running_var (expected float32 [4])');
    expect(e.message).toContain(
      '  shape: conv1.weight: expected float32 [4, 3, 3, 3], got float32 [4, 3, 5, 5]',
    );
    expect(e.message).toContain('  unexpected: aux.weight (float32 [7]), not a parameter of the model');
  });

  it('allowMissing / allowUnexpected relax the check, shapes are still checked', () => {
    const weights = stateDict(1);
    weights.delete('head.bias');
    weights.set('aux.weight', new Tensor('float32', [7]));
    const graph = tinyNet();
    const loaded = loadWeights(graph, weights, { allowMissing: true, allowUnexpected: true });
    expect(loaded.initializers.get('head.bias')).toBe(graph.initializers.get('head.bias'));
    expect(loaded.initializers.has('aux.weight')).toBe(false);
    weights.set('head.weight', new Tensor('float32', [2, 4]));
    expect(() => loadWeights(graph, weights, { allowMissing: true, allowUnexpected: true })).toThrow(
      /shape: head.weight: expected float32 \[2, 4, 1, 1\], got float32 \[2, 4\]/,
    );
  });
});

describe('parameters', () => {
  it('tells parameters from constants by use, and counts like PyTorch (running stats are buffers)', () => {
    const graph = tinyNet();
    const roles = parameterRoles(graph);
    expect([...roles.keys()].sort()).toEqual(
      [
        'bn1.bias',
        'bn1.running_mean',
        'bn1.running_var',
        'bn1.weight',
        'conv1.weight',
        'head.bias',
        'head.weight',
      ].sort(),
    );
    expect(roles.get('bn1.running_var')).toBe('running_var');
    expect(roles.get('conv1.weight')).toBe('weight');
    expect(countParameters(graph)).toBe(4 * 27 + 4 + 4 + 8 + 2);
  });
});

describe('randomWeights', () => {
  it('re-draws every float parameter from the seed, keeps constants and shapes', () => {
    const graph = tinyNet();
    const a = randomWeights(graph, 5);
    const b = randomWeights(graph, 5);
    const c = randomWeights(graph, 6);
    expect(a.initializers).toEqual(b.initializers);
    for (const name of parameterRoles(graph).keys()) {
      const t = a.initializers.get(name) as Tensor;
      expect(t.dims).toEqual(graph.initializers.get(name)?.dims);
      expect(t.toNumbers(), name).not.toEqual(graph.initializers.get(name)?.toNumbers());
      expect(t.toNumbers(), name).not.toEqual(c.initializers.get(name)?.toNumbers());
    }
    expect(a.initializers.get('up.scales')).toBe(graph.initializers.get('up.scales'));
    const variance = (a.initializers.get('bn1.running_var') as Tensor).toNumbers();
    expect(Math.min(...variance)).toBeGreaterThanOrEqual(0.5);
    // Conv weights scaled by 1/sqrt(fan_in) = 1/sqrt(27).
    const w = (a.initializers.get('conv1.weight') as Tensor).toNumbers();
    expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(1 / Math.sqrt(27));
  });
});
