import { intAttr, stringAttr } from '../../../graph/attrs.js';
import type { Graph, Node } from '../../../graph/ir.js';
import { activationOf } from '../../../graph/passes/fuse-activation.js';
import { consumers, graphOutputNames, producers, readCounts } from '../../../graph/passes/util.js';
import { topoSort } from '../../../graph/validate.js';
import type { ValueInfo } from '../../ops/types.js';
import {
  type ConstantOf,
  concatLowering,
  convFusionStats,
  disabledConvFusions,
  rateKey,
  stackLowering,
  sumLowering,
} from './fuse-conv-steps.js';
import { MAX_RATES } from './kernels/conv_gemm.js';
import type { Lowering } from './types.js';

export { type ConvFusionKind, convFusionStats, disabledConvFusions } from './fuse-conv-steps.js';

/**
 * Conv fusions of the webgpu backend, a rewrite of the graph before the memory plan:
 *
 * - sum: a tree of same-shape Adds whose leaves are 2 to 8 Convs of the same x with the same output
 *   grid and channel count and no activation (KSAC's summed rates, ASPP variants that sum), plus at
 *   most one other leaf, is one dispatch: each invocation runs every conv (rate) into the same
 *   accumulators, the other leaf is the residual, an activation reading the sum alone fuses too.
 * - residual: Conv/ConvTranspose → Add(·, r) [→ activation] runs as one conv_gemm dispatch whose
 *   epilogue adds r (ResNet's shortcut, GCN's branch sum and boundary refinement, LR-ASPP's add).
 *   The Conv gets r as a 4th input and `webgpu_residual`: 'after-act' when it already had a fused
 *   activation (y = act(conv) + r), else 'before-act', and then an activation reading the sum alone
 *   fuses too (y = act(conv + r)). Only when the conv output is read by that Add alone, is no graph
 *   output, and conv output, r and sum have exactly the same shape (no broadcasting).
 * - concat: Convs and ConvTransposes whose output only feeds a Concat over channels write straight
 *   into their channel slice of the Concat's buffer (ASPP/KSAC branches, U-Net's upsampling): the
 *   Concat node takes their inputs and runs them itself; its other inputs are copied as before.
 * - rates: Convs of one such Concat that read the same x, with the same output grid and channel
 *   count, run as ONE dispatch over a rate axis, each rate with its own kernel size, dilation, pads,
 *   bias and activation. Rates with the same weight initializer (KSAC's shared kernel) share one
 *   packed copy of it.
 * - stack: Convs like those (same x, output grid and channel count) whose outputs are read only as
 *   the input of other conv_gemm Convs (GCN's first k×1 and 1×k convs) run as one multi-rate
 *   dispatch writing a channel stack of their outputs; each reader takes its channels of the stack
 *   (attribute `webgpu_cx0`). With the residual fusion a GCN block is 3 dispatches instead of 5.
 */

export interface ConvFusion {
  graph: Graph;
  /** Shapes of the values the fusions made (the stacks). */
  infos: Map<string, ValueInfo>;
  /** Lowerings of rewritten nodes that the op's own lowering cannot run (Concat with its convs). */
  lowerings: Map<Node, Lowering>;
}

export function fuseConvs(
  graph: Graph,
  infos: ReadonlyMap<string, ValueInfo>,
  constantOf: ConstantOf,
): ConvFusion {
  const lowerings = new Map<Node, Lowering>();
  const made = new Map<string, ValueInfo>();
  const dims = (name: string): number[] | undefined => {
    const s = infos.get(name)?.shape;
    return s?.every((d) => typeof d === 'number') ? (s as number[]) : undefined;
  };
  const float = (name: string) => infos.get(name)?.dtype === 'float32' && !infos.get(name)?.value;
  /** A Conv/ConvTranspose the webgpu backend runs on conv_gemm (not depthwise), not yet fused. */
  const onGemm = (node: Node, fusedOk = false): boolean => {
    const [x, w, b] = node.inputs;
    if ((node.op !== 'Conv' && node.op !== 'ConvTranspose') || !x || !w) return false;
    if (node.attrs.webgpu_sum !== undefined || node.attrs.webgpu_stack !== undefined) return false;
    if (!fusedOk && (node.inputs.length > 3 || node.attrs.webgpu_cx0 !== undefined)) return false;
    if (node.outputs.length !== 1 || !float(node.outputs[0] ?? '')) return false;
    const wt = constantOf(w);
    const xd = dims(x);
    if (wt?.dtype !== 'float32' || (b && constantOf(b)?.dtype !== 'float32')) return false;
    if (!xd || (xd.length !== 3 && xd.length !== 4) || !float(x)) return false;
    if (node.op === 'ConvTranspose') return true;
    return !(intAttr(node, 'group', 1) === xd[1] && wt.dims[0] === xd[1]);
  };

  let nodes = topoSort(graph);
  const outputs = graphOutputNames(graph);
  if (!disabledConvFusions.has('sum')) {
    nodes = fuseSums(graph, nodes, outputs, dims, float, onGemm, constantOf, lowerings);
  }
  if (!disabledConvFusions.has('residual'))
    nodes = fuseResiduals({ ...graph, nodes }, nodes, outputs, dims, float, onGemm);
  if (!disabledConvFusions.has('stack')) {
    const g = { ...graph, nodes };
    const counts = readCounts(g);
    const readers = consumers(g);
    // Readers that can take a slice of a stack: conv_gemm Convs reading it as x (only).
    const sliceable = (v: string) =>
      !outputs.has(v) &&
      (readers.get(v) ?? []).every(
        (r) =>
          r.op === 'Conv' &&
          onGemm(r, true) &&
          r.inputs.indexOf(v, 1) < 0 &&
          r.attrs.webgpu_cx0 === undefined,
      ) &&
      (readers.get(v) ?? []).length === counts.get(v);
    const byKey = new Map<string, Node[]>();
    for (const node of nodes) {
      const out = node.outputs[0] ?? '';
      if (node.op !== 'Conv' || !onGemm(node) || !counts.get(out) || !sliceable(out)) continue;
      const key = rateKey(node, dims(out) as number[], constantOf);
      byKey.set(key, [...(byKey.get(key) ?? []), node]);
    }
    const stackOf = new Map<Node, { stack: string; offsets: Map<string, number> }>();
    for (const members of byKey.values()) {
      if (members.length < 2) continue;
      const first = members[0] as Node;
      const od = dims(first.outputs[0] as string) as number[];
      const stack = `${first.outputs[0]}#stack`;
      const offsets = new Map<string, number>();
      let channels = 0;
      for (const m of members) {
        offsets.set(m.outputs[0] as string, channels);
        channels += od[1] as number;
      }
      made.set(stack, { dtype: 'float32', shape: [od[0] as number, channels, ...od.slice(2)] });
      const node: Node = {
        name: members.map((m) => m.name).join('+'),
        op: 'Conv',
        inputs: [...new Set(members.flatMap((m) => m.inputs.filter((v) => v)))],
        outputs: [stack],
        attrs: { webgpu_stack: members.map((m) => m.name) },
      };
      lowerings.set(node, stackLowering(members));
      for (const m of members) stackOf.set(m, { stack, offsets });
      convFusionStats.stacks++;
    }
    if (stackOf.size > 0) {
      const where = new Map<string, { stack: string; offset: number }>();
      for (const { stack, offsets } of stackOf.values()) {
        for (const [v, offset] of offsets) where.set(v, { stack, offset });
      }
      const done = new Set<string>();
      nodes = nodes.flatMap((node) => {
        const s = stackOf.get(node);
        if (s) {
          if (done.has(s.stack)) return [];
          done.add(s.stack);
          return [[...lowerings.keys()].find((k) => k.outputs[0] === s.stack) as Node];
        }
        const slice = node.op === 'Conv' ? where.get(node.inputs[0] ?? '') : undefined;
        if (!slice) return [node];
        const inputs = [slice.stack, ...node.inputs.slice(1)];
        return [{ ...node, inputs, attrs: { ...node.attrs, webgpu_cx0: slice.offset } }];
      });
    }
  }
  if (!disabledConvFusions.has('concat')) {
    const g = { ...graph, nodes };
    const counts = readCounts(g);
    const producer = producers(g);
    const absorbed = new Set<Node>();
    nodes = nodes.map((node) => {
      const out = node.outputs[0] ?? '';
      const od = dims(out);
      if (node.op !== 'Concat' || !od || (od.length !== 3 && od.length !== 4) || !float(out)) return node;
      const axis = intAttr(node, 'axis', 0);
      if (axis !== 1 && axis !== 1 - od.length) return node;
      const convs = node.inputs.map((v) => {
        const p = producer.get(v);
        // Residual convs read their residual at y's offsets: those are not absorbed.
        const absorb =
          (p?.op === 'Conv' || p?.op === 'ConvTranspose') &&
          p.attrs.webgpu_stack === undefined &&
          onGemm(p, true) &&
          p.inputs.length <= 3 &&
          counts.get(v) === 1 &&
          !outputs.has(v);
        return absorb ? p : undefined;
      });
      if (convs.every((c) => !c) || node.inputs.some((v) => !v || !dims(v))) return node;
      const fused: Node = {
        ...node,
        inputs: node.inputs.flatMap((v, i) => convs[i]?.inputs ?? [v]),
        attrs: { ...node.attrs, webgpu_convs: convs.flatMap((c) => (c ? [c.name] : [])) },
      };
      lowerings.set(fused, concatLowering(node.inputs, convs));
      for (const c of convs) if (c) absorbed.add(c);
      convFusionStats.concat++;
      convFusionStats.intoConcat += convs.filter((c) => c).length;
      return fused;
    });
    nodes = nodes.filter((n) => !absorbed.has(n));
  }
  return { graph: { ...graph, nodes }, infos: made, lowerings };
}

/** The sum fusion (see the file comment): nodes in run order, each fused tree one Conv node. */
function fuseSums(
  graph: Graph,
  order: Node[],
  outputs: Set<string>,
  dims: (name: string) => number[] | undefined,
  float: (name: string) => boolean,
  onGemm: (node: Node) => boolean,
  constantOf: ConstantOf,
  lowerings: Map<Node, Lowering>,
): Node[] {
  const counts = readCounts(graph);
  const producer = producers(graph);
  const readers = consumers(graph);
  const same = (a: number[] | undefined, b: number[]) =>
    a !== undefined && a.length === b.length && a.every((d, i) => d === b[i]);
  const once = (v: string) => counts.get(v) === 1 && !outputs.has(v);
  const removed = new Set<Node>();
  const added = new Map<Node, Node>();
  // Last Adds first: a tree is found from its root.
  for (const root of [...order].reverse()) {
    const out = root.outputs[0] ?? '';
    const od = dims(out);
    const isTreeAdd = (n: Node | undefined): n is Node =>
      n?.op === 'Add' &&
      n.inputs.length === 2 &&
      !removed.has(n) &&
      n.inputs.every((v) => v && same(dims(v), od as number[])) &&
      same(dims(n.outputs[0] ?? ''), od as number[]);
    if (!od || !float(out) || !isTreeAdd(root)) continue;
    const adds: Node[] = [];
    const leaves: string[] = [];
    const walk = (n: Node) => {
      adds.push(n);
      for (const v of n.inputs) {
        const p = producer.get(v);
        if (isTreeAdd(p) && once(v)) walk(p);
        else leaves.push(v);
      }
    };
    walk(root);
    const convOf = (v: string) => {
      const p = producer.get(v);
      const ok = p?.op === 'Conv' && onGemm(p) && once(v) && stringAttr(p, 'activation', '') === '';
      return ok && !removed.has(p) ? p : undefined;
    };
    const byKey = new Map<string, Node[]>();
    for (const v of leaves) {
      const p = convOf(v);
      if (!p) continue;
      const key = rateKey(p, od, constantOf);
      byKey.set(key, [...(byKey.get(key) ?? []), p]);
    }
    const members = [...byKey.values()].sort((a, b) => b.length - a.length)[0] ?? [];
    const rest = leaves.filter((v) => !members.some((m) => m.outputs[0] === v));
    const residual = rest[0];
    if (members.length < 2 || members.length > MAX_RATES || rest.length > 1) continue;
    if (residual && !float(residual)) continue;
    // act(sum): an activation that alone reads the root joins the epilogue.
    const next = readers.get(out);
    const act = next?.length === 1 && once(out) ? next[0] : undefined;
    const kind = act && act.inputs[0] === out ? activationOf(graph, act) : undefined;
    const withAct = act && kind && float(act.outputs[0] ?? '') ? act : undefined;
    const node: Node = {
      name: `${root.name}(sum of ${members.map((m) => m.name).join(', ')})`,
      op: 'Conv',
      inputs: [
        ...new Set(members.flatMap((m) => m.inputs.filter((v) => v))),
        ...(residual ? [residual] : []),
      ],
      outputs: [withAct ? (withAct.outputs[0] as string) : out],
      attrs: {
        webgpu_sum: members.map((m) => m.name),
        ...(withAct && kind ? { activation: kind.kind, activation_params: kind.params } : {}),
      },
    };
    lowerings.set(node, sumLowering(members, residual));
    for (const n of [...adds, ...members, ...(withAct ? [withAct] : [])]) removed.add(n);
    added.set(root, node);
    convFusionStats.sums++;
  }
  return order.flatMap((n) => {
    const node = added.get(n);
    if (node) return [node];
    return removed.has(n) ? [] : [n];
  });
}

/** The residual fusion (see the file comment): nodes in run order, fused convs replaced. */
function fuseResiduals(
  graph: Graph,
  order: Node[],
  outputs: Set<string>,
  dims: (name: string) => number[] | undefined,
  float: (name: string) => boolean,
  onGemm: (node: Node) => boolean,
): Node[] {
  const counts = readCounts(graph);
  const producer = producers(graph);
  const readers = consumers(graph);
  const at = new Map(order.map((n, i) => [n, i]));
  const replaced = new Map<Node, Node>();
  const removed = new Set<Node>();
  const same = (a: number[] | undefined, b: number[]) =>
    a !== undefined && a.length === b.length && a.every((d, i) => d === b[i]);
  for (const add of order) {
    const [a, b] = add.inputs;
    const sum = add.outputs[0] ?? '';
    const sd = dims(sum);
    if (add.op !== 'Add' || add.inputs.length !== 2 || !a || !b || a === b || !sd || !float(sum)) continue;
    const picks = [
      { v: a, r: b },
      { v: b, r: a },
    ]
      .map((c) => ({ ...c, p: producer.get(c.v) }))
      .filter(({ v, r, p }) => {
        if (!p || replaced.has(p) || !onGemm(p) || counts.get(v) !== 1 || outputs.has(v)) return false;
        return same(dims(v), sd) && same(dims(r), sd) && float(r);
      })
      // Of two convs, the later one takes the other's output: it is ready by then.
      .sort((x, y) => (at.get(y.p as Node) ?? 0) - (at.get(x.p as Node) ?? 0));
    const pick = picks[0];
    if (!pick) continue;
    const conv = pick.p as Node;
    const hadAct = stringAttr(conv, 'activation', '') !== '';
    const [x = '', w = '', bias = ''] = conv.inputs;
    const fused: Node = {
      ...conv,
      inputs: [x, w, bias, pick.r],
      outputs: [sum],
      attrs: { ...conv.attrs, webgpu_residual: hadAct ? 'after-act' : 'before-act' },
    };
    removed.add(add);
    convFusionStats.residual++;
    // act(conv + r): an activation that alone reads the sum joins the epilogue.
    const next = readers.get(sum);
    const act = next?.length === 1 && counts.get(sum) === 1 && !outputs.has(sum) ? next[0] : undefined;
    const kind = !hadAct && act && act.inputs[0] === sum ? activationOf(graph, act) : undefined;
    if (act && kind && float(act.outputs[0] ?? '')) {
      fused.attrs.activation = kind.kind;
      fused.attrs.activation_params = kind.params;
      fused.outputs = [act.outputs[0] as string];
      removed.add(act);
      convFusionStats.residualAct++;
    }
    replaced.set(conv, fused);
    for (const o of fused.outputs) producer.set(o, fused);
  }
  return order.filter((n) => !removed.has(n)).map((n) => replaced.get(n) ?? n);
}
