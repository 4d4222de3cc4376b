import type { Graph, Node } from '../../../graph/ir.js';
import { isDepthwiseConv } from '../../ops/conv.js';

/**
 * Ops whose output takes the layout of their (first run-time) input, computed through strides at
 * the same cost in any layout: they pass their readers' preference back to their input.
 */
const FOLLOWING = new Set([
  'Relu',
  'Clip',
  'Sigmoid',
  'HardSigmoid',
  'HardSwish',
  'Tanh',
  'LeakyRelu',
  'Add',
  'Sub',
  'Mul',
  'Div',
  'PRelu',
  'Identity',
  'Dropout',
  'BatchNormalization',
  'Resize',
  'Upsample',
]);

/**
 * A 2-D depthwise Conv (group = C = M > 1, weights [C, 1, kh, kw] an initializer) has a kernel
 * for each layout (convDepthwiseNchw / convDepthwiseNhwc) and runs in its input's: it follows.
 */
export function isDepthwise2d(graph: Graph, node: Node): boolean {
  return isDepthwiseConv(graph, node) && graph.initializers.get(node.inputs[1] ?? '')?.dims.length === 4;
}

/**
 * Per value: whether some reader works on channels-last data (Conv, pools, and conservatively
 * every op not listed above), looking through layout-following ops (and depthwise Convs);
 * graph outputs are read row-major. A graph input no reader wants channels-last stays row-major,
 * so a graph of only such ops (a lone Resize, an activation, a lone depthwise Conv) never changes
 * layout at all.
 */
export function channelsLastReaders(graph: Graph): (value: string) => boolean {
  const readers = new Map<string, Node[]>();
  for (const node of graph.nodes) {
    for (const name of new Set(node.inputs)) {
      if (!name) continue;
      const list = readers.get(name);
      if (list) list.push(node);
      else readers.set(name, [node]);
    }
  }
  const memo = new Map<string, boolean>();
  const wants = (value: string): boolean => {
    const known = memo.get(value);
    if (known !== undefined) return known;
    const result = (readers.get(value) ?? []).some(
      (n) => !(FOLLOWING.has(n.op) || isDepthwise2d(graph, n)) || n.outputs.some((o) => !!o && wants(o)),
    );
    memo.set(value, result);
    return result;
  };
  return wants;
}
