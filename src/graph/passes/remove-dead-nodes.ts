import { cloneGraph, type Graph } from '../ir.js';
import { producers } from './util.js';

/**
 * Removes nodes none of whose outputs reach a graph output, and initializers nothing reads any
 * more. An initializer that doubles as a graph input (an overridable default) is part of the
 * model's interface and stays.
 */
export function removeDeadNodes(graph: Graph): Graph {
  const g = cloneGraph(graph);
  const producer = producers(g);
  const liveValues = new Set<string>();
  const pending = g.outputs.map((o) => o.name);
  while (pending.length > 0) {
    const name = pending.pop() as string;
    if (liveValues.has(name)) continue;
    liveValues.add(name);
    for (const input of producer.get(name)?.inputs ?? []) if (input) pending.push(input);
  }
  g.nodes = g.nodes.filter((n) => n.outputs.some((o) => o && liveValues.has(o)));
  const inputs = new Set(g.inputs.map((i) => i.name));
  for (const name of [...g.initializers.keys()]) {
    if (!liveValues.has(name) && !inputs.has(name)) g.initializers.delete(name);
  }
  return g;
}
