import { describe, expect, it } from 'vitest';
import { REF_KERNELS } from '../../src/engine/backends/ref/kernels/index.js';
import type { ValueInfo } from '../../src/engine/ops/types.js';
import { Session } from '../../src/engine/session.js';
import { sizeOf, Tensor } from '../../src/engine/tensor.js';
import { ShapeError } from '../../src/errors.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import type { Graph } from '../../src/graph/ir.js';
import { type MemoryPlan, planMemory } from '../../src/graph/plan.js';
import { inferShapes } from '../../src/graph/shape-inference.js';
import { expectClose } from '../helpers/compare.js';
import { randomFeeds } from './pass-helpers.js';

/** Checks slots are big enough and no two values alive at the same time share a slot. */
function expectSound(graph: Graph, infos: ReadonlyMap<string, ValueInfo>, plan: MemoryPlan): void {
  const outputs = new Set(graph.outputs.map((o) => o.name));
  const born = new Map<string, number>();
  const dies = new Map<string, number>();
  plan.order.forEach((node, i) => {
    for (const v of node.inputs) if (born.has(v)) dies.set(v, i);
    for (const v of node.outputs) if (v && plan.slotOf.has(v)) born.set(v, i);
  });
  const spans = [...plan.slotOf].map(([name, slot]) => ({
    name,
    slot,
    from: born.get(name) as number,
    to: outputs.has(name) ? Number.POSITIVE_INFINITY : (dies.get(name) ?? (born.get(name) as number)),
  }));
  for (const s of spans) {
    const info = infos.get(s.name) as ValueInfo;
    expect(plan.slotBytes[s.slot], s.name).toBeGreaterThanOrEqual(sizeOf(info.shape as number[]) * 4);
    for (const t of spans) {
      if (s.name < t.name && s.slot === t.slot) {
        expect(s.from > t.to || t.from > s.to, `${s.name} and ${t.name} share slot ${s.slot}`).toBe(true);
      }
    }
  }
  expect(plan.totalBytes).toBe(plan.slotBytes.reduce((a, b) => a + b, 0));
  expect(plan.totalBytes).toBeLessThanOrEqual(plan.unplannedBytes);
}

/** Executes the graph with every intermediate stored in its slot's one shared buffer (float32). */
function runInSlots(
  graph: Graph,
  infos: ReadonlyMap<string, ValueInfo>,
  plan: MemoryPlan,
  feeds: Record<string, Tensor>,
) {
  const buffers = plan.slotBytes.map((bytes) => new ArrayBuffer(bytes));
  const read = (name: string): Tensor | undefined => {
    const slot = plan.slotOf.get(name);
    if (slot === undefined) return feeds[name] ?? graph.initializers.get(name);
    const dims = (infos.get(name) as ValueInfo).shape as number[];
    return new Tensor(
      'float32',
      dims,
      new Float32Array(buffers[slot] as ArrayBuffer, 0, sizeOf(dims)).slice(),
    );
  };
  for (const node of plan.order) {
    const results = REF_KERNELS[node.op](
      node,
      node.inputs.map((v) => (v ? read(v) : undefined)),
    );
    node.outputs.forEach((name, k) => {
      const slot = plan.slotOf.get(name) as number;
      new Float32Array(buffers[slot] as ArrayBuffer).set(results[k]?.data as Float32Array);
    });
  }
  return Object.fromEntries(graph.outputs.map((o) => [o.name, read(o.name) as Tensor]));
}

function convChain(n: number): Graph {
  const b = new GraphBuilder('chain', { seed: 2 });
  let y = b.input('x', [1, 4, 6, 6]);
  for (let i = 0; i < n; i++) y = b.op('Conv', [y, b.param(`w${i}`, [4, 4, 3, 3])], { pads: [1, 1, 1, 1] });
  b.output(y);
  return b.build();
}

/** Encoder-decoder with skip connections that must stay alive across the bottleneck. */
function unet(): Graph {
  const b = new GraphBuilder('unet', { seed: 3 });
  const conv = (x: string, cin: number, cout: number, name: string) =>
    b.op(
      'Relu',
      [
        b.op('Conv', [x, b.param(`${name}_w`, [cout, cin, 3, 3]), b.param(`${name}_b`, [cout])], {
          pads: [1, 1, 1, 1],
        }),
      ],
      {},
      { name },
    );
  const up = (x: string, c: number, name: string) =>
    b.op('ConvTranspose', [x, b.param(`${name}_w`, [c, c, 2, 2])], { strides: [2, 2] }, { name });
  const pool = (x: string) => b.op('MaxPool', [x], { kernel_shape: [2, 2], strides: [2, 2] });
  const e1 = conv(b.input('x', [1, 3, 8, 8]), 3, 4, 'e1');
  const e2 = conv(pool(e1), 4, 8, 'e2');
  const mid = conv(pool(e2), 8, 8, 'mid');
  const d2 = conv(b.op('Concat', [up(mid, 8, 'up2'), e2], { axis: 1 }), 16, 8, 'd2');
  const d1 = conv(b.op('Concat', [up(d2, 8, 'up1'), e1], { axis: 1 }), 12, 4, 'd1');
  b.output(b.op('Conv', [d1, b.param('head_w', [2, 4, 1, 1])], {}, { name: 'head' }));
  return b.build();
}

describe('planMemory', () => {
  it('runs a chain of convs in two slots', () => {
    for (const n of [2, 5, 9]) {
      const g = convChain(n);
      const infos = inferShapes(g);
      const plan = planMemory(g, infos);
      expect(plan.slotBytes).toEqual([4 * 36 * 4, 4 * 36 * 4]);
      expect(plan.unplannedBytes).toBe(n * 4 * 36 * 4);
      expectSound(g, infos, plan);
    }
  });

  it('keeps the skip connections of a U-Net alive and computes the same outputs', async () => {
    const g = unet();
    const infos = inferShapes(g);
    const plan = planMemory(g, infos);
    expectSound(g, infos, plan);
    expect(plan.totalBytes).toBeLessThan(plan.unplannedBytes);
    // e1 lives from the first conv to the last concat: nothing produced in between may take its slot.
    const e1 = plan.slotOf.get('e1');
    const order = plan.order.map((n) => n.outputs[0] as string);
    const lastConcat = plan.order.map((n) => n.op).lastIndexOf('Concat');
    for (const v of order.slice(order.indexOf('e1') + 1, lastConcat + 1))
      expect(plan.slotOf.get(v), v).not.toBe(e1);

    const feeds = randomFeeds(g);
    const expected = await (await Session.create(g, { optimize: false })).run(feeds);
    const actual = runInSlots(g, infos, plan, feeds);
    expectClose(actual.head as Tensor, expected.head as Tensor, { atol: 0, rtol: 0 }, 'head');
  });

  it('never reuses the slot of a graph output', async () => {
    const b = new GraphBuilder('mid-output');
    const a = b.op('Relu', [b.input('x', [8])], {}, { name: 'a' });
    let y = a;
    for (let i = 0; i < 4; i++) y = b.op(i % 2 ? 'Tanh' : 'Sigmoid', [y]);
    b.output(a, y);
    const g = b.build();
    const infos = inferShapes(g);
    const plan = planMemory(g, infos);
    expectSound(g, infos, plan);
    const slotA = plan.slotOf.get('a');
    expect([...plan.slotOf].filter(([, s]) => s === slotA).map(([v]) => v)).toEqual(['a']);
    const feeds = randomFeeds(g);
    const expected = await (await Session.create(g, { optimize: false })).run(feeds);
    const actual = runInSlots(g, infos, plan, feeds);
    for (const name of ['a', y])
      expectClose(actual[name] as Tensor, expected[name] as Tensor, { atol: 0, rtol: 0 }, name);
  });

  it('reuses the smallest free slot that fits, else grows the largest free one', () => {
    const b = new GraphBuilder('best-fit');
    const x = b.input('x', [4]);
    const a = b.op('Relu', [x], {}, { name: 'a' });
    const bb = b.op('Relu', [x], {}, { name: 'b' });
    const c = b.op('Add', [a, bb], {}, { name: 'c' });
    const d = b.op('Relu', [c], {}, { name: 'd' });
    const e = b.op('Relu', [d], {}, { name: 'e' });
    b.output(b.op('Relu', [e], {}, { name: 'f' }));
    const g = b.build();
    // Pretend sizes (float32 elements) to exercise the choice of slot.
    const elements: Record<string, number> = { a: 100, b: 48, c: 4, d: 36, e: 80, f: 256 };
    const infos = new Map(inferShapes(g));
    for (const [name, n] of Object.entries(elements)) infos.set(name, { dtype: 'float32', shape: [n] });
    const plan = planMemory(g, infos);
    expect(Object.fromEntries(plan.slotOf)).toEqual({ a: 0, b: 1, c: 2, d: 1, e: 0, f: 1 });
    expect(plan.slotBytes).toEqual([400, 1024, 16]);
    expect(plan.unplannedBytes).toBe(4 * (100 + 48 + 4 + 36 + 80 + 256));
    expectSound(g, infos, plan);
  });

  it('is deterministic', () => {
    const g = unet();
    const a = planMemory(g, inferShapes(g));
    const b = planMemory(g, inferShapes(g));
    expect([...a.slotOf]).toEqual([...b.slotOf]);
    expect(a.slotBytes).toEqual(b.slotBytes);
    expect(a.order.map((n) => n.name)).toEqual(b.order.map((n) => n.name));
  });

  it('names the value whose shape is symbolic', () => {
    const b = new GraphBuilder('symbolic');
    b.output(b.op('Relu', [b.input('x', ['N', 3])], {}, { name: 'r' }));
    const g = b.build();
    expect(() => planMemory(g, inferShapes(g))).toThrow(ShapeError);
    expect(() => planMemory(g, inferShapes(g))).toThrow(/'r'.*symbolic/);
    const plan = planMemory(g, inferShapes(g, { inputShapes: { x: [5, 3] } }));
    expect(plan.slotBytes).toEqual([64]);
  });
});
