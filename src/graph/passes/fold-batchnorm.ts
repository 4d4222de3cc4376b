import { Tensor } from '../../engine/tensor.js';
import { cloneGraph, type Graph, type Node } from '../ir.js';
import {
  constantValue,
  dropUnusedInitializers,
  graphOutputNames,
  producers,
  readCounts,
  soleReader,
  uniqueName,
  valueNames,
} from './util.js';

/**
 * Folds an inference BatchNormalization into the Conv / ConvTranspose that feeds it:
 *   s = gamma / sqrt(var + eps);  w' = w * s (per output channel);  b' = (b - mean) * s + beta.
 * Applies only when the conv output is read by the BatchNormalization alone (and is no graph
 * output), and weight, bias and BN parameters are constants. The new weight and bias get fresh
 * initializer names (the old weight may be shared with another conv); replaced ones nobody reads
 * any more are dropped.
 */
export function foldBatchNorm(graph: Graph): Graph {
  const g = cloneGraph(graph);
  const outputs = graphOutputNames(g);
  const taken = valueNames(g);
  const removed = new Set<Node>();
  const replaced: string[] = [];
  const counts = readCounts(g);
  const producer = producers(g);

  for (const bn of g.nodes) {
    if (bn.op !== 'BatchNormalization' || removed.has(bn)) continue;
    const x = bn.inputs[0];
    const conv = x ? producer.get(x) : undefined;
    if (!x || !conv || !soleReader(x, counts, outputs)) continue;
    const folded = foldInto(g, conv, bn);
    if (!folded) continue;

    const wName = uniqueName(`${conv.inputs[1]}_bn`, taken);
    const bName = uniqueName(conv.inputs[2] ? `${conv.inputs[2]}_bn` : `${conv.name}_bias`, taken);
    g.initializers.set(wName, folded.weight);
    g.initializers.set(bName, folded.bias);
    replaced.push(conv.inputs[1] as string, ...(conv.inputs[2] ? [conv.inputs[2]] : []));
    replaced.push(...bn.inputs.slice(1));
    conv.inputs = [conv.inputs[0] as string, wName, bName];
    conv.outputs = [bn.outputs[0] as string];
    removed.add(bn);
    // A BatchNormalization chained after this one now reads the conv directly.
    producer.set(bn.outputs[0] as string, conv);
  }
  g.nodes = g.nodes.filter((n) => !removed.has(n));
  dropUnusedInitializers(g, replaced);
  return g;
}

interface Folded {
  weight: Tensor;
  bias: Tensor;
}

function foldInto(g: Graph, conv: Node, bn: Node): Folded | undefined {
  if (conv.op !== 'Conv' && conv.op !== 'ConvTranspose') return undefined;
  if (conv.outputs.length !== 1 || (conv.attrs.activation !== undefined && conv.attrs.activation !== '')) {
    return undefined;
  }
  if (bn.outputs.filter((o) => o).length !== 1 || bn.attrs.training_mode === 1) return undefined;
  const w = constantValue(g, conv.inputs[1] ?? '');
  const b = conv.inputs[2] ? constantValue(g, conv.inputs[2]) : undefined;
  if (w?.dtype !== 'float32' || w.rank < 2 || (conv.inputs[2] && !b)) return undefined;
  const params = bn.inputs.slice(1, 5).map((name) => constantValue(g, name));
  if (params.length !== 4 || params.some((p) => !p)) return undefined;
  const [gamma, beta, mean, variance] = params as Tensor[];

  const eps = typeof bn.attrs.epsilon === 'number' ? bn.attrs.epsilon : 1e-5;
  const group = typeof conv.attrs.group === 'number' ? conv.attrs.group : 1;
  const cout = conv.op === 'Conv' ? (w.dims[0] as number) : (w.dims[1] as number) * group;
  const lengths = [gamma, beta, mean, variance, ...(b ? [b] : [])].map((t) => t.size);
  if (lengths.some((n) => n !== cout)) return undefined;

  const scale = Array.from({ length: cout }, (_, c) => gamma.get(c) / Math.sqrt(variance.get(c) + eps));
  const channelOf = weightChannel(conv.op, w.dims, group);
  const src = w.data as Float32Array;
  const weight = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) weight[i] = (src[i] as number) * (scale[channelOf(i)] as number);
  const bias = new Float32Array(cout);
  for (let c = 0; c < cout; c++) {
    bias[c] = ((b ? b.get(c) : 0) - mean.get(c)) * (scale[c] as number) + beta.get(c);
  }
  return { weight: new Tensor('float32', w.dims, weight), bias: new Tensor('float32', [cout], bias) };
}

/**
 * The output channel a flat weight index belongs to. Conv weights are (Cout, Cin/group, k...);
 * ConvTranspose weights are (Cin, Cout/group, k...), where input channel ci lies in group
 * floor(ci / (Cin/group)) and slot j of axis 1 is output channel group * Cout/group + j.
 */
function weightChannel(op: string, dims: readonly number[], group: number): (i: number) => number {
  const inner = dims.slice(2).reduce((a, d) => a * d, 1);
  const d1 = dims[1] as number;
  if (op === 'Conv') return (i) => Math.floor(i / (d1 * inner));
  const cinPerGroup = (dims[0] as number) / group;
  return (i) => {
    const ci = Math.floor(i / (d1 * inner));
    const j = Math.floor(i / inner) % d1;
    return Math.floor(ci / cinPerGroup) * d1 + j;
  };
}
