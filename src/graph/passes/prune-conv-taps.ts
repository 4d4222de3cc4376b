import { axes2d } from '../../engine/backends/ref/kernels/conv.js';
import { pruneTaps } from '../../engine/backends/wasm/prune.js';
import { convShape } from '../../engine/ops/conv.js';
import { cloneGraph, type Graph } from '../ir.js';
import { inferShapes, isStatic } from '../shape-inference.js';
import { constantValue, dropUnusedInitializers, uniqueName, valueNames } from './util.js';

/**
 * Drops the kernel taps of a Conv that only ever read padding, for every backend: DeepLab's ASPP
 * (3×3 at rates 12–36) on a small map — 8×10 at output stride 16 — is really a 1×1, and computing
 * the other 8 taps is 8/9 of the work spent multiplying zeros. Exact: only zero products go. The
 * new weight gets a fresh initializer name (the old one may be shared); pads become explicit.
 * Graphs whose shapes are not all known are left as they are.
 */
export function pruneConvTaps(graph: Graph): Graph {
  if (!graph.nodes.some((n) => n.op === 'Conv')) return graph;
  let infos: ReturnType<typeof inferShapes>;
  try {
    infos = inferShapes(graph);
  } catch {
    return graph; // shape errors are reported where the graph runs, with their own message
  }
  let g: Graph | undefined;
  const replaced: string[] = [];
  for (const [i, node] of graph.nodes.entries()) {
    if (node.op !== 'Conv') continue;
    const x = infos.get(node.inputs[0] as string)?.shape;
    const w = constantValue(graph, node.inputs[1] as string);
    if (!x || !isStatic(x) || !w || (x.length !== 3 && x.length !== 4)) continue;
    const [h, wa] = axes2d(convShape(node, x, w.dims).window, x.slice(2));
    const p = pruneTaps(w, h, wa, x.length);
    if (p.w === w) continue;
    const pads =
      x.length === 4 ? [p.h.padBegin, p.wa.padBegin, p.h.padEnd, p.wa.padEnd] : [p.wa.padBegin, p.wa.padEnd];
    if (pads.some((v) => v < 0)) continue;
    g ??= cloneGraph(graph);
    const copy = g.nodes[i] as Graph['nodes'][number];
    const name = uniqueName(`${copy.inputs[1]}_pruned`, valueNames(g));
    g.initializers.set(name, p.w);
    replaced.push(copy.inputs[1] as string);
    copy.inputs[1] = name;
    copy.attrs = { ...copy.attrs, kernel_shape: p.w.dims.slice(2), pads, auto_pad: 'NOTSET' };
  }
  if (!g) return graph;
  dropUnusedInitializers(g, replaced);
  return g;
}
