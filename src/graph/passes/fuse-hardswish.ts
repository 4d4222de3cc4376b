import { cloneGraph, type Graph, type Node } from '../ir.js';
import { activationOf } from './fuse-activation.js';
import { graphOutputNames, producers, readCounts, soleReader } from './util.js';

/**
 * Rewrites `Mul(x, HardSigmoid(x))` with HardSigmoid's alpha = 1/6 and beta = 0.5 into
 * `HardSwish(x)`: exporters that decompose hardswish (torchvision's MobileNetV3 at opset < 14) leave
 * this pair after every such activation. As one HardSwish it fuses into the conv that writes x
 * (fuseActivation runs next), which saves two passes over the tensor per activation: x was read
 * by two nodes, so nothing could fuse before. Applies only when the HardSigmoid's output is read by
 * that Mul alone and is no graph output. HardSwish computes x · clamp(x / 6 + 1/2, 0, 1): alpha
 * stored as float32 (0.16666667) differs from 1/6 by 1e-8 relative, within a last-place rounding.
 */
export function fuseHardSwish(graph: Graph): Graph {
  const g = cloneGraph(graph);
  const outputs = graphOutputNames(g);
  const counts = readCounts(g);
  const producer = producers(g);
  const removed = new Set<Node>();

  for (const mul of g.nodes) {
    if (mul.op !== 'Mul' || mul.inputs.length !== 2) continue;
    const [a = '', b = ''] = mul.inputs;
    const gate = [a, b].map((v) => producer.get(v)).find((p) => p !== undefined && isHalfGate(g, p, a, b));
    if (!gate) continue;
    const gated = gate.outputs[0] as string;
    if (!soleReader(gated, counts, outputs)) continue;
    mul.op = 'HardSwish';
    mul.inputs = [gate.inputs[0] as string];
    mul.attrs = {};
    removed.add(gate);
  }
  g.nodes = g.nodes.filter((n) => !removed.has(n));
  return g;
}

/** A HardSigmoid(alpha = 1/6, beta = 0.5) of one Mul input whose output is the other input. */
function isHalfGate(g: Graph, node: Node, a: string, b: string): boolean {
  const x = node.inputs[0];
  const out = node.outputs[0];
  if (!x || !out || !((x === a && out === b) || (x === b && out === a))) return false;
  const act = activationOf(g, node);
  if (act?.kind !== 'HardSigmoid') return false;
  const [alpha = 0, beta = 0] = act.params;
  return Math.abs(alpha - 1 / 6) <= 1e-7 && beta === 0.5;
}
