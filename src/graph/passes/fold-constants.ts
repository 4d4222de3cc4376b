import { cloneGraph, type Graph } from '../ir.js';
import { inferShapes } from '../shape-inference.js';
import { graphOutputNames } from './util.js';

export interface FoldOptions {
  /** Results above this many elements are left to run time (as inferShapes' foldLimit). */
  foldLimit?: number;
}

/**
 * Replaces every node whose outputs are known before running (Constant nodes, the Shape → Gather →
 * Concat → Reshape arithmetic exporters emit, anything computed from initializers alone) by
 * initializers. The values come from inferShapes, which evaluates such nodes with the ref kernels.
 * Only values still read by a remaining node or that are graph outputs become initializers, so a
 * folded chain leaves just its final result behind.
 */
export function foldConstants(graph: Graph, options: FoldOptions = {}): Graph {
  const infos = inferShapes(graph, options.foldLimit === undefined ? {} : { foldLimit: options.foldLimit });
  const known = (name: string) => !name || infos.get(name)?.value !== undefined;
  const isFolded = graph.nodes.map((n) => n.outputs.some((o) => o) && n.outputs.every(known));
  const folded = graph.nodes.filter((_, i) => isFolded[i]);
  const g = cloneGraph(graph);
  if (folded.length === 0) return g;

  g.nodes = g.nodes.filter((_, i) => !isFolded[i]);
  const needed = new Set<string>(graphOutputNames(g));
  for (const node of g.nodes) for (const input of node.inputs) if (input) needed.add(input);
  for (const node of folded) {
    for (const out of node.outputs) {
      const value = out ? infos.get(out)?.value : undefined;
      if (out && value && needed.has(out)) g.initializers.set(out, value);
    }
  }
  return g;
}
