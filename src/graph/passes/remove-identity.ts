import { cloneGraph, type Graph, type Node } from '../ir.js';
import { graphInputNames, graphOutputNames, renameReads } from './util.js';

/**
 * Removes Identity and (inference-mode) Dropout nodes by rewiring their readers to their input.
 * A graph output keeps its name: the producer of the input is renamed to write it instead. When the
 * input is a graph input, an initializer or itself a graph output there is no producer to rename,
 * so the node stays.
 */
export function removeIdentity(graph: Graph): Graph {
  const g = cloneGraph(graph);
  const outputs = graphOutputNames(g);
  const inputs = graphInputNames(g);
  const removed = new Set<Node>();

  for (const node of g.nodes) {
    if (!isPassThrough(node, g)) continue;
    const x = node.inputs[0] as string;
    const y = node.outputs[0] as string;
    if (!outputs.has(y)) {
      renameReads(g.nodes, y, x);
      removed.add(node);
      continue;
    }
    if (inputs.has(x) || g.initializers.has(x) || outputs.has(x)) continue;
    const producer = g.nodes.find((n) => !removed.has(n) && n.outputs.includes(x));
    if (!producer) continue;
    producer.outputs = producer.outputs.map((v) => (v === x ? y : v));
    renameReads(g.nodes, x, y);
    removed.add(node);
  }
  g.nodes = g.nodes.filter((n) => !removed.has(n));
  return g;
}

/** Identity, or a Dropout whose mask output nobody needs (inference: Dropout passes its input on). */
function isPassThrough(node: Node, g: Graph): boolean {
  if (!node.inputs[0] || !node.outputs[0]) return false;
  if (node.op === 'Identity') return true;
  if (node.op !== 'Dropout') return false;
  const mask = node.outputs[1];
  if (!mask) return true;
  return !g.outputs.some((o) => o.name === mask) && !g.nodes.some((n) => n.inputs.includes(mask));
}
