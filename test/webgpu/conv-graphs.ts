import { GraphBuilder } from '../../src/graph/builder.js';
import type { Graph } from '../../src/graph/ir.js';

/** Graphs the webgpu conv fusions (fuse-conv.ts) turn into fused conv dispatches. */
export function conv(
  b: GraphBuilder,
  x: string,
  name: string,
  w: number[],
  attrs: Record<string, unknown> = {},
) {
  return b.op('Conv', [x, b.param(`${name}.w`, w), b.param(`${name}.b`, [w[0] as number], undefined, 0.3)], {
    ...(attrs as Record<string, number[]>),
  });
}

/** GCN's global convolution: (k×1 → 1×k) + (1×k → k×1), 5 → 3 channels, k = 5, on 9×7. */
export function gcnGraph(n: number): Graph {
  const b = new GraphBuilder('gcn', { seed: 7 });
  const x = b.input('x', [n, 5, 9, 7]);
  const col = (v: string, n: string, c: number) => conv(b, v, n, [3, c, 5, 1], { pads: [2, 0, 2, 0] });
  const row = (v: string, n: string, c: number) => conv(b, v, n, [3, c, 1, 5], { pads: [0, 2, 0, 2] });
  const left = row(col(x, 'l1', 5), 'l2', 3);
  const right = col(row(x, 'r1', 5), 'r2', 3);
  b.output(b.op('Add', [left, right]));
  return b.build();
}

/** Conv → Add(residual) [→ Relu]; `act` on the conv gives act(conv) + r instead. */
export function residualGraph(actOnConv: boolean, reluAfter: boolean, swap: boolean): Graph {
  const b = new GraphBuilder('res', { seed: 3 });
  const x = b.input('x', [2, 5, 9, 7]);
  const r = b.input('r', [2, 7, 9, 7]);
  const attrs = {
    pads: [1, 1, 1, 1],
    ...(actOnConv ? { activation: 'LeakyRelu', activation_params: [0.2] } : {}),
  };
  const y = conv(b, x, 'c', [7, 5, 3, 3], attrs);
  const sum = b.op('Add', swap ? [r, y] : [y, r]);
  b.output(reluAfter ? b.op('Relu', [sum]) : sum);
  return b.build();
}

/** KSAC: one shared 3×3 weight at rates 1, 2, 3 (own bias, ReLU), a 1×1 branch and x, concat. */
export function ksacGraph(c: number, m: number, hw: [number, number]): Graph {
  const b = new GraphBuilder('ksac', { seed: 11 });
  const x = b.input('x', [1, c, ...hw]);
  const w = b.param('shared', [m, c, 3, 3]);
  const branches = [1, 2, 3].map((r, i) =>
    b.op('Conv', [x, w, b.param(`b${i}`, [m], undefined, 0.3)], {
      pads: [r, r, r, r],
      dilations: [r, r],
      activation: i === 1 ? 'Clip' : 'Relu',
      activation_params: i === 1 ? [-0.1, 0.4] : [],
    }),
  );
  const one = conv(b, x, 'p', [6, c, 1, 1]);
  b.output(
    b.op('Concat', [branches[0] as string, one, x, branches[1] as string, branches[2] as string], {
      axis: 1,
    }),
  );
  return b.build();
}

/** KSAC summed: a 1×1 + one shared 3×3 at rates 1, 2, 4, a residual r added in between, Relu. */
export function ksacSumGraph(n: number): Graph {
  const b = new GraphBuilder('ksac_sum', { seed: 15 });
  const x = b.input('x', [n, 5, 8, 7]);
  const r = b.input('r', [n, 6, 8, 7]);
  const w = b.param('shared', [6, 5, 3, 3]);
  let sum = conv(b, x, 'one', [6, 5, 1, 1]);
  [1, 2, 4].forEach((d, i) => {
    const y = b.op('Conv', [x, w, b.param(`b${i}`, [6], undefined, 0.3)], {
      pads: [d, d, d, d],
      dilations: [d, d],
    });
    sum = b.op('Add', i === 1 ? [sum, r] : [y, sum]);
    if (i === 1) sum = b.op('Add', [sum, y]);
  });
  b.output(b.op('Relu', [sum]));
  return b.build();
}

/** U-Net decoder step: a stride-2 ConvTranspose (+ Relu) concatenated after a skip input. */
export function unetUpGraph(): Graph {
  const b = new GraphBuilder('unet_up', { seed: 18 });
  const x = b.input('x', [2, 6, 4, 3]);
  const skipIn = b.input('skip', [2, 3, 8, 6]);
  const up = b.op('ConvTranspose', [x, b.param('up.w', [6, 5, 2, 2]), b.param('up.b', [5])], {
    strides: [2, 2],
    activation: 'Relu',
  });
  b.output(b.op('Concat', [skipIn, up], { axis: 1 }));
  return b.build();
}
