import { intAttr, stringAttr } from '../../../graph/attrs.js';
import type { Graph, Node } from '../../../graph/ir.js';
import type { ValueInfo } from '../../ops/types.js';
import { FUSED_HEAD_ATTR, type ResizeHead } from './kernels/resize.js';

/** Lets benches and tests turn the fusion off (A/B against the unfused kernels). */
export const resizeFusion = { enabled: true };

/** The normalized `axis` attribute of node, or undefined when out of range for rank. */
function axisOf(node: Node, fallback: number, rank: number): number | undefined {
  const a = intAttr(node, 'axis', fallback);
  return a < -rank || a >= rank ? undefined : a < 0 ? a + rank : a;
}

/**
 * The segmentation head, fused: a Resize (or Upsample) whose only reader is a Softmax or ArgMax
 * over the channel axis (the axis just before H, W), or a Softmax read only by such an ArgMax,
 * becomes one Resize node that writes the last op's output (resize.wgsl's HEAD override): one
 * dispatch instead of two or three, and the upsampled logits never reach memory.
 *
 * Done on the graph before memory planning, so the planner sees the fused node's real lifetime
 * (writing the reader's output early could clobber a slot still in use). Values read elsewhere or
 * returned as graph outputs stay unfused. Returns `graph` itself when nothing fuses.
 */
export function fuseResizeHeads(graph: Graph, infos: ReadonlyMap<string, ValueInfo>): Graph {
  if (!resizeFusion.enabled) return graph;
  const readers = new Map<string, Node[]>();
  for (const n of graph.nodes)
    for (const i of n.inputs) if (i) readers.set(i, [...(readers.get(i) ?? []), n]);
  const outputs = new Set(graph.outputs.map((t) => t.name));
  /** The only reader of value `v`, if it is an intermediate read by exactly one node. */
  const soleReader = (v: string): Node | undefined => {
    const r = readers.get(v);
    return !outputs.has(v) && r?.length === 1 && !infos.get(v)?.value ? r[0] : undefined;
  };
  const isChannelArgMax = (n: Node, rank: number) =>
    n.op === 'ArgMax' && axisOf(n, 0, rank) === rank - 3 && infos.get(n.outputs[0] ?? '')?.dtype === 'int64';

  const replaced = new Map<Node, Node>();
  const dropped = new Set<Node>();
  for (const node of graph.nodes) {
    if (node.op !== 'Resize' && node.op !== 'Upsample') continue;
    if (stringAttr(node, FUSED_HEAD_ATTR, '') !== '') continue;
    const r = node.outputs[0] ?? '';
    const info = infos.get(r);
    const rank = info?.shape.length ?? 0;
    if (info?.dtype !== 'float32' || rank < 3) continue;
    const reader = soleReader(r);
    if (!reader) continue;
    let head: ResizeHead;
    let last: Node;
    const chain = [reader];
    if (
      reader.op === 'Softmax' &&
      intAttr(reader, 'coerce_2d', 0) !== 1 &&
      axisOf(reader, -1, rank) === rank - 3
    ) {
      const next = soleReader(reader.outputs[0] ?? '');
      if (next && isChannelArgMax(next, rank)) {
        head = 'softmax-argmax';
        last = next;
        chain.push(next);
      } else {
        head = 'softmax';
        last = reader;
      }
    } else if (isChannelArgMax(reader, rank)) {
      head = 'argmax';
      last = reader;
    } else continue;
    replaced.set(node, {
      name: [node.name, ...chain.map((n) => n.name)].join('+'),
      op: node.op,
      inputs: [...node.inputs],
      outputs: [last.outputs[0] as string],
      attrs: {
        ...node.attrs,
        [FUSED_HEAD_ATTR]: head,
        select_last_index: last.op === 'ArgMax' ? intAttr(last, 'select_last_index', 0) : 0,
      },
    });
    for (const n of chain) dropped.add(n);
  }
  if (replaced.size === 0) return graph;
  return {
    ...graph,
    nodes: graph.nodes.filter((n) => !dropped.has(n)).map((n) => replaced.get(n) ?? n),
  };
}
