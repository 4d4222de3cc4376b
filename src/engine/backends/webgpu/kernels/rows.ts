import { intAttr } from '../../../../graph/attrs.js';
import type { Node } from '../../../../graph/ir.js';
import { reducedAxes } from '../../../ops/reduce.js';
import { normAxis } from '../../../ops/shape-utils.js';
import { around } from '../../ref/indexing.js';
import { count, type LowerContext, type Lowering, type Step, WebGpuUnsupportedError } from '../types.js';
import { Uniforms } from '../uniforms.js';
import { requireFloat32, strides } from './common.js';

/** One invocation per row of an (outer, n, inner) view: softmax, argmax and reductions. */
function rows(
  node: Node,
  ctx: LowerContext,
  stem: string,
  overrides: Record<string, number | boolean>,
  view: { outer: number; n: number; inner: number },
): Step[] {
  const [x = ''] = node.inputs;
  const y = node.outputs[0] as string;
  requireFloat32(node, ctx, [x]);
  const rowsCount = view.outer * view.inner;
  return [
    {
      kind: 'dispatch',
      stem,
      overrides,
      uniforms: new Uniforms().u(rowsCount, view.n, view.inner, 0).bytes(),
      bindings: [
        { kind: 'value', name: x },
        { kind: 'value', name: y },
      ],
      invocations: rowsCount,
    },
  ];
}

export const Softmax: Lowering = (node, ctx) => {
  const xd = ctx.dims(node.inputs[0] as string);
  const axis = normAxis(node, intAttr(node, 'axis', -1), xd.length);
  const view = around(xd, axis, intAttr(node, 'coerce_2d', 0) === 1 ? xd.length : axis + 1);
  return rows(node, ctx, 'softmax', {}, view);
};

export const ArgMax: Lowering = (node, ctx) => {
  const xd = ctx.dims(node.inputs[0] as string);
  const axis = normAxis(node, intAttr(node, 'axis', 0), xd.length);
  return rows(
    node,
    ctx,
    'argmax',
    { SELECT_LAST: intAttr(node, 'select_last_index', 0) === 1 },
    around(xd, axis),
  );
};

function reduce(mode: number): Lowering {
  return (node, ctx) => {
    const x = node.inputs[0] as string;
    const xd = ctx.dims(x);
    const axesName = node.inputs[1];
    const infos = [
      undefined,
      axesName
        ? { dtype: ctx.dtype(axesName) as 'int64', shape: ctx.dims(axesName), value: ctx.constant(axesName) }
        : undefined,
    ];
    const axes = reducedAxes(node, infos, xd.length);
    if (!axes) throw new WebGpuUnsupportedError(node, 'axes that are not constants');
    // Size-1 axes reduce to themselves: only the others decide the walk.
    const live = [...axes].filter((a) => xd[a] !== 1).sort((a, b) => a - b);
    const y = node.outputs[0] as string;
    if (live.length === 0) return [{ kind: 'copy', src: x, dst: y, bytes: count(xd) * 4 }];
    const first = live[0] as number;
    const last = live[live.length - 1] as number;
    const between = xd.slice(first, last + 1).filter((d, k) => d !== 1 && !live.includes(first + k));
    if (between.length === 0) return rows(node, ctx, 'reduce', { MODE: mode }, around(xd, first, last + 1));
    return reduceApart(node, ctx, mode, xd, live);
  };
}

/** A reduction over axes that stay apart (reduce_nd.wgsl): kept and reduced axes walked by strides. */
function reduceApart(node: Node, ctx: LowerContext, mode: number, xd: number[], live: number[]): Step[] {
  const [x = ''] = node.inputs;
  requireFloat32(node, ctx, [x]);
  const xs = strides(xd);
  const kept = xd.map((_, a) => a).filter((a) => xd[a] !== 1 && !live.includes(a));
  const n = count(live.map((a) => xd[a] as number));
  const outputs = count(kept.map((a) => xd[a] as number));
  return [
    {
      kind: 'dispatch',
      stem: 'reduce_nd',
      overrides: { MODE: mode },
      uniforms: new Uniforms()
        .u(outputs, n, kept.length, live.length)
        .vec8(
          'u',
          kept.map((a) => xd[a] as number),
        )
        .vec8(
          'u',
          kept.map((a) => xs[a] as number),
        )
        .vec8(
          'u',
          live.map((a) => xd[a] as number),
        )
        .vec8(
          'u',
          live.map((a) => xs[a] as number),
        )
        .bytes(),
      bindings: [
        { kind: 'value', name: x },
        { kind: 'value', name: node.outputs[0] as string },
      ],
      invocations: outputs,
    },
  ];
}

export const ReduceMean = reduce(0);
export const ReduceMax = reduce(1);
