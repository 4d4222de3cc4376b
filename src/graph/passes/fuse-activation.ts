import { ACTIVATION_KINDS, type ActivationKind } from '../../engine/ops/activation.js';
import { cloneGraph, type Graph, type Node } from '../ir.js';
import { constantValue, graphOutputNames, producers, readCounts, soleReader } from './util.js';

const FUSABLE_PRODUCERS: ReadonlySet<string> = new Set(['Conv', 'ConvTranspose', 'Gemm']);

/** ONNX's Clip defaults (the float32 range), rather than infinities, so the params stay finite. */
const FLOAT32_MAX = 3.4028234663852886e38;

/**
 * Fuses an activation into the Conv / ConvTranspose / Gemm that feeds it: the producer gets
 * attributes `activation` and `activation_params` and writes the activation's output itself.
 * Applies only when the producer output is read by the activation alone and is no graph output.
 */
export function fuseActivation(graph: Graph): Graph {
  const g = cloneGraph(graph);
  const outputs = graphOutputNames(g);
  const counts = readCounts(g);
  const producer = producers(g);
  const removed = new Set<Node>();

  for (const act of g.nodes) {
    const x = act.inputs[0];
    const p = x ? producer.get(x) : undefined;
    if (!x || !p || !FUSABLE_PRODUCERS.has(p.op) || p.outputs.length !== 1) continue;
    if (!soleReader(x, counts, outputs) || hasActivation(p)) continue;
    const fused = activationOf(g, act);
    if (!fused) continue;
    p.attrs.activation = fused.kind;
    p.attrs.activation_params = fused.params;
    p.outputs = [act.outputs[0] as string];
    removed.add(act);
  }
  g.nodes = g.nodes.filter((n) => !removed.has(n));
  return g;
}

function hasActivation(node: Node): boolean {
  return node.attrs.activation !== undefined && node.attrs.activation !== '';
}

function isKind(op: string): op is ActivationKind {
  return (ACTIVATION_KINDS as readonly string[]).includes(op);
}

/** The activation a node computes, or undefined when it cannot be fused (e.g. Clip bounds at run time). */
export function activationOf(g: Graph, node: Node): { kind: ActivationKind; params: number[] } | undefined {
  if (!isKind(node.op) || node.outputs.length !== 1 || !node.outputs[0]) return undefined;
  const num = (name: string, fallback: number) => {
    const v = node.attrs[name];
    return typeof v === 'number' ? v : fallback;
  };
  switch (node.op) {
    case 'Clip': {
      const bound = (i: number, attr: string, fallback: number): number | undefined => {
        const name = node.inputs[i];
        if (!name) return num(attr, fallback);
        const t = constantValue(g, name);
        return t && t.size === 1 ? t.get(0) : undefined;
      };
      const lo = bound(1, 'min', -FLOAT32_MAX);
      const hi = bound(2, 'max', FLOAT32_MAX);
      return lo === undefined || hi === undefined ? undefined : { kind: 'Clip', params: [lo, hi] };
    }
    case 'HardSigmoid':
      return { kind: 'HardSigmoid', params: [num('alpha', 0.2), num('beta', 0.5)] };
    case 'LeakyRelu':
      return { kind: 'LeakyRelu', params: [num('alpha', 0.01)] };
    default:
      return { kind: node.op, params: [] };
  }
}
