import type { Graph, Node } from './ir.js';
import { topoSort } from './validate.js';

/**
 * When each value can be dropped: after the last node that reads it. Graph outputs are never freed.
 * Backends use `freeAfter[i]` (the values whose last reader is order[i]) to recycle their storage.
 */
export interface Liveness {
  order: Node[];
  freeAfter: string[][];
}

export function liveness(graph: Graph): Liveness {
  const order = topoSort(graph);
  const keep = new Set([...graph.outputs.map((o) => o.name), ...graph.initializers.keys()]);
  const lastUse = new Map<string, number>();
  order.forEach((node, i) => {
    for (const input of node.inputs) if (input) lastUse.set(input, i);
    // A value nobody reads dies right where it is born.
    for (const out of node.outputs) if (out && !lastUse.has(out)) lastUse.set(out, i);
  });
  const freeAfter: string[][] = order.map(() => []);
  for (const [name, i] of lastUse) if (!keep.has(name)) freeAfter[i]?.push(name);
  return { order, freeAfter };
}
