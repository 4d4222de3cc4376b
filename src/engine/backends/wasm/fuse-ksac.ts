import { floatsAttr, intAttr, intsAttr, stringAttr } from '../../../graph/attrs.js';
import type { Graph, Node } from '../../../graph/ir.js';
import { convShape } from '../../ops/conv.js';
import type { ValueInfo } from '../../ops/types.js';
import type { Tensor } from '../../tensor.js';
import { type Axis2d, axes2d } from '../ref/kernels/conv.js';
import { type Ctx, ensureLayout, type Step, steps } from './context.js';
import { actArgs } from './kernels.js';
import { pruneTaps } from './prune.js';
import { channelsLast, type Val } from './values.js';
import { compileWinograd, winogradApplies } from './winograd.js';

/**
 * KSAC shared-kernel multi-rate conv (Huang et al. 2019): Conv nodes that read the same input and
 * the SAME 3×3 weight initializer at different dilations (stride 1, group 1, pads == dilation) run
 * as one step: the weights are Winograd-transformed and uploaded once and every rate's tiles use
 * that one copy (each rate keeps its own output slot, bias and fused activation). Weights that are
 * merely equal in value (e.g. BatchNorm folded per rate) are distinct tensors and do not fuse.
 */

/** Groups fused by sessions of this process (tests read it to see the fusion fired). */
export const ksacStats = { groups: 0, convs: 0 };

type ConstantOf = (name: string) => Tensor | undefined;

/** The Winograd axes of a candidate Conv, or undefined when it is not a KSAC member. */
function memberAxes(
  node: Node,
  infos: ReadonlyMap<string, ValueInfo>,
  constantOf: ConstantOf,
): [Axis2d, Axis2d] | undefined {
  const [xName, wName, bName] = node.inputs;
  if (node.op !== 'Conv' || !xName || !wName) return undefined;
  const w = constantOf(wName);
  const x = infos.get(xName)?.shape;
  if (w?.dtype !== 'float32' || w.dims.length !== 4 || w.dims[2] !== 3 || w.dims[3] !== 3) return undefined;
  if (x?.length !== 4 || x.some((d) => typeof d !== 'number')) return undefined;
  if (bName && constantOf(bName)?.dtype !== 'float32') return undefined;
  if (intAttr(node, 'group', 1) !== 1 || stringAttr(node, 'auto_pad', 'NOTSET') !== 'NOTSET')
    return undefined;
  const [dh, dw] = intsAttr(node, 'dilations', [1, 1]);
  const strides = intsAttr(node, 'strides', [1, 1]);
  const pads = intsAttr(node, 'pads', [0, 0, 0, 0]);
  if (dh !== dw || strides.some((s) => s !== 1) || pads.some((p) => p !== dh)) return undefined;
  const { window } = convShape(node, x, w.dims);
  const [h, wa] = axes2d(window, (x as number[]).slice(2));
  // Rates whose outer taps only read padding run pruned (prune.ts), cheaper than any 3×3.
  const pruned = pruneTaps(w, h, wa, 4);
  if (pruned.h.k !== 3 || pruned.wa.k !== 3) return undefined;
  const [M, C] = w.dims as [number, number];
  return winogradApplies(h, wa, 1, C, M, Number.POSITIVE_INFINITY) ? [h, wa] : undefined;
}

/** Candidate groups (≥ 2 members), keyed by input and weight name, members in graph order. */
export function findKsacGroups(
  graph: Graph,
  infos: ReadonlyMap<string, ValueInfo>,
  constantOf: ConstantOf,
): Node[][] {
  const byKey = new Map<string, Node[]>();
  for (const node of graph.nodes) {
    if (!memberAxes(node, infos, constantOf)) continue;
    const key = `${node.inputs[0]}\u0000${node.inputs[1]}`;
    byKey.set(key, [...(byKey.get(key) ?? []), node]);
  }
  return [...byKey.values()].filter((g) => g.length > 1);
}

/** The graph with each group's members moved next to its first one (they need only x and W). */
export function groupAdjacent(graph: Graph, groups: readonly Node[][]): Graph {
  if (groups.length === 0) return graph;
  const groupOf = new Map<Node, readonly Node[]>();
  for (const g of groups) for (const n of g) groupOf.set(n, g);
  const nodes: Node[] = [];
  for (const node of graph.nodes) {
    const g = groupOf.get(node);
    if (!g) nodes.push(node);
    else if (g[0] === node) nodes.push(...g);
  }
  return { ...graph, nodes };
}

/**
 * Per member node, its compiler: earlier members only declare their outputs, the last one (in the
 * run order) emits the fused step. Groups the order does not keep contiguous are left unfused:
 * only then is writing every member's output at the last member's turn safe for the memory plan.
 */
export function ksacCompilers(
  groups: readonly Node[][],
  order: readonly Node[],
  infos: ReadonlyMap<string, ValueInfo>,
  constantOf: ConstantOf,
): Map<Node, (ctx: Ctx) => Step[]> {
  const at = new Map(order.map((n, i) => [n, i]));
  const compilers = new Map<Node, (ctx: Ctx) => Step[]>();
  for (const group of groups) {
    const members = [...group].sort((a, b) => (at.get(a) ?? 0) - (at.get(b) ?? 0));
    const first = at.get(members[0] as Node) ?? -1;
    if (members.some((n, i) => at.get(n) !== first + i)) continue;
    const outs = new Map<Node, Val>();
    const last = members[members.length - 1] as Node;
    for (const node of members) {
      compilers.set(node, (ctx) => {
        outs.set(node, ctx.output(0, channelsLast(4)));
        if (node !== last) return [];
        return fusedStep(ctx, members, outs, infos, constantOf);
      });
    }
  }
  return compilers;
}

function fusedStep(
  ctx: Ctx,
  members: readonly Node[],
  outs: ReadonlyMap<Node, Val>,
  infos: ReadonlyMap<string, ValueInfo>,
  constantOf: ConstantOf,
): Step[] {
  const { val: x, step: pre } = ensureLayout(ctx, ctx.input(0), channelsLast(4), 0);
  const w = constantOf(members[0]?.inputs[1] as string) as Tensor;
  const shared = new Map<'f2' | 'f4', number>();
  const rates = members.map((node) => {
    const [h, wa] = memberAxes(node, infos, constantOf) as [Axis2d, Axis2d];
    const bias = node.inputs[2] ? constantOf(node.inputs[2]) : undefined;
    const act = actArgs(stringAttr(node, 'activation', ''), floatsAttr(node, 'activation_params', []));
    return compileWinograd(ctx, x, outs.get(node) as Val, w, bias, h, wa, act, shared);
  });
  ksacStats.groups++;
  ksacStats.convs += members.length;
  return steps(pre, () => {
    for (const rate of rates) rate();
  });
}
