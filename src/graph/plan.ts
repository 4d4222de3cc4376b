import type { ValueInfo } from '../engine/ops/types.js';
import { BYTES_PER_ELEMENT, sizeOf } from '../engine/tensor.js';
import { ShapeError } from '../errors.js';
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

/** Where every intermediate value lives: slots are buffers reused once their value is dead. */
export interface MemoryPlan {
  /** Nodes in execution order (as `liveness`). */
  order: Node[];
  /** Values whose last reader is order[i] (as `liveness`); their slots are free after order[i]. */
  freeAfter: string[][];
  /** The slot of each intermediate value (node outputs, graph inputs and initializers excluded). */
  slotOf: Map<string, number>;
  /** Size of each slot in bytes (the largest value it ever holds, rounded up to the alignment). */
  slotBytes: number[];
  totalBytes: number;
  /** Sum of all intermediate sizes (one buffer per value), for comparison. */
  unplannedBytes: number;
}

export interface PlanOptions {
  /** Sizes are rounded up to a multiple of this many bytes (default 16: a vec4 of f32). */
  alignment?: number;
}

/**
 * Assigns buffer slots to the intermediate values of a graph whose shapes are all concrete.
 * Walking in topological order, each output takes the smallest free slot it fits in (best fit);
 * when none fits, the largest free slot grows to fit, and only when no slot is free does a new one
 * open. Slots return to the free pool after the last reader of their value ran, so a node's output
 * never shares a slot with any of its inputs. Graph outputs are never freed.
 */
export function planMemory(
  graph: Graph,
  infos: ReadonlyMap<string, ValueInfo>,
  options: PlanOptions = {},
): MemoryPlan {
  const alignment = options.alignment ?? 16;
  const { order, freeAfter } = liveness(graph);
  const external = new Set([...graph.inputs.map((t) => t.name), ...graph.initializers.keys()]);
  const slotOf = new Map<string, number>();
  const slotBytes: number[] = [];
  const free: number[] = [];
  let unplannedBytes = 0;

  order.forEach((node, i) => {
    for (const name of node.outputs) {
      if (!name || external.has(name) || slotOf.has(name)) continue;
      const bytes = alignUp(valueBytes(node, name, infos), alignment);
      unplannedBytes += bytes;
      const slot = takeSlot(free, slotBytes, bytes);
      slotBytes[slot] = Math.max(slotBytes[slot] ?? 0, bytes);
      slotOf.set(name, slot);
    }
    for (const name of freeAfter[i] ?? []) {
      const slot = slotOf.get(name);
      if (slot !== undefined) free.push(slot);
    }
  });
  const totalBytes = slotBytes.reduce((a, b) => a + b, 0);
  return { order, freeAfter, slotOf, slotBytes, totalBytes, unplannedBytes };
}

/** Removes and returns the best free slot for `bytes`, or opens a new one. */
function takeSlot(free: number[], slotBytes: number[], bytes: number): number {
  if (free.length === 0) {
    slotBytes.push(0);
    return slotBytes.length - 1;
  }
  const size = (s: number) => slotBytes[s] as number;
  // Ties go to the lower slot index, so the plan does not depend on the free list's order.
  const smaller = (a: number, b: number) => size(a) < size(b) || (size(a) === size(b) && a < b);
  const fitting = free.filter((s) => size(s) >= bytes);
  const pick = (list: number[], first: (a: number, b: number) => boolean) =>
    list.reduce((best, s) => (first(s, best) ? s : best));
  const slot =
    fitting.length > 0
      ? pick(fitting, smaller)
      : pick(free, (a, b) => size(a) > size(b) || (size(a) === size(b) && a < b));
  free.splice(free.indexOf(slot), 1);
  return slot;
}

function valueBytes(node: Node, name: string, infos: ReadonlyMap<string, ValueInfo>): number {
  const info = infos.get(name);
  if (!info) {
    throw new ShapeError(node.name, node.op, `output '${name}' has no inferred shape; run inferShapes first`);
  }
  if (!info.shape.every((d) => typeof d === 'number')) {
    throw new ShapeError(
      node.name,
      node.op,
      `output '${name}' has symbolic shape [${info.shape.join(', ')}]; plan memory with concrete input shapes (inferShapes(graph, { inputShapes }))`,
    );
  }
  return sizeOf(info.shape as number[]) * BYTES_PER_ELEMENT[info.dtype];
}

function alignUp(bytes: number, alignment: number): number {
  return Math.ceil(bytes / alignment) * alignment;
}
