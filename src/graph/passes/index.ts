import type { Graph } from '../ir.js';

/** The default optimization pipeline run by Session.create (each pass a pure Graph → Graph). */
export function optimizeGraph(graph: Graph): Graph {
  return graph;
}
