import { intAttr } from '../../../../graph/attrs.js';
import type { Node } from '../../../../graph/ir.js';
import { reducedAxes } from '../../../ops/reduce.js';
import { normAxis } from '../../../ops/shape-utils.js';
import { around } from '../../ref/indexing.js';
import { count, type LowerContext, type Lowering, type Step, WebGpuUnsupportedError } from '../types.js';
import { Uniforms } from '../uniforms.js';
import { requireFloat32 } from './common.js';

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
    const sorted = [...axes].sort((a, b) => a - b);
    if (sorted.length === 0) {
      return [{ kind: 'copy', src: x, dst: node.outputs[0] as string, bytes: count(xd) * 4 }];
    }
    const first = sorted[0] as number;
    const last = sorted[sorted.length - 1] as number;
    if (last - first + 1 !== sorted.length) {
      throw new WebGpuUnsupportedError(node, `reducing non-adjacent axes [${sorted.join(', ')}]`);
    }
    return rows(node, ctx, 'reduce', { MODE: mode }, around(xd, first, last + 1));
  };
}

export const ReduceMean = reduce(0);
export const ReduceMax = reduce(1);
