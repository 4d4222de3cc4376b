import type { Tensor } from '../../engine/tensor.js';
import type { Graph, Node } from '../ir.js';

/** Helpers shared by the passes. They only read graphs; passes mutate their own clones. */

/** How many node input slots read each value (a node reading a value twice counts twice). */
export function readCounts(graph: Graph): Map<string, number> {
  const counts = new Map<string, number>();
  for (const node of graph.nodes) {
    for (const input of node.inputs) if (input) counts.set(input, (counts.get(input) ?? 0) + 1);
  }
  return counts;
}

/** The node that writes each value. */
export function producers(graph: Graph): Map<string, Node> {
  const map = new Map<string, Node>();
  for (const node of graph.nodes) for (const out of node.outputs) if (out) map.set(out, node);
  return map;
}

/** The nodes that read each value (each node once). */
export function consumers(graph: Graph): Map<string, Node[]> {
  const map = new Map<string, Node[]>();
  for (const node of graph.nodes) {
    for (const input of new Set(node.inputs)) {
      if (!input) continue;
      const list = map.get(input) ?? [];
      list.push(node);
      map.set(input, list);
    }
  }
  return map;
}

export function graphOutputNames(graph: Graph): Set<string> {
  return new Set(graph.outputs.map((o) => o.name));
}

export function graphInputNames(graph: Graph): Set<string> {
  return new Set(graph.inputs.map((i) => i.name));
}

/**
 * The value of a constant: an initializer that is not also a graph input (ONNX lets an initializer
 * be the overridable default of an input; such a value is not constant).
 */
export function constantValue(graph: Graph, name: string): Tensor | undefined {
  if (!name || graph.inputs.some((i) => i.name === name)) return undefined;
  return graph.initializers.get(name);
}

/** Every value name in use (inputs, outputs, initializers, node outputs). */
export function valueNames(graph: Graph): Set<string> {
  const names = new Set<string>([...graph.initializers.keys()]);
  for (const t of graph.inputs) names.add(t.name);
  for (const t of graph.outputs) names.add(t.name);
  for (const node of graph.nodes) {
    for (const v of node.inputs) if (v) names.add(v);
    for (const v of node.outputs) if (v) names.add(v);
  }
  return names;
}

/** `base`, or `base_1`, `base_2`... whichever is not taken yet; the result is added to `taken`. */
export function uniqueName(base: string, taken: Set<string>): string {
  let name = base;
  for (let i = 1; taken.has(name); i++) name = `${base}_${i}`;
  taken.add(name);
  return name;
}

/** Rewrites every read of value `from` into a read of `to`. */
export function renameReads(nodes: readonly Node[], from: string, to: string): void {
  for (const node of nodes) {
    node.inputs = node.inputs.map((v) => (v === from ? to : v));
  }
}

/** Drops initializers that no node reads and that are neither graph outputs nor graph inputs. */
export function dropUnusedInitializers(graph: Graph, candidates: Iterable<string>): void {
  const read = readCounts(graph);
  const keep = new Set([...graphOutputNames(graph), ...graphInputNames(graph)]);
  for (const name of candidates) {
    if (!read.has(name) && !keep.has(name)) graph.initializers.delete(name);
  }
}

/** The one-output-one-reader pattern producer → consumer that folding and fusion need. */
export function soleReader(
  value: string,
  counts: ReadonlyMap<string, number>,
  outputs: ReadonlySet<string>,
): boolean {
  return counts.get(value) === 1 && !outputs.has(value);
}
