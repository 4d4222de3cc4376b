import { REF_KERNELS } from '../engine/backends/ref/kernels/index.js';
import { OPS } from '../engine/ops/index.js';
import type { ValueInfo } from '../engine/ops/types.js';
import type { Tensor } from '../engine/tensor.js';
import { AtrousError, InputError, ShapeError, UnsupportedOpError } from '../errors.js';
import type { Dim, Graph, Node } from './ir.js';
import { isOpType, OP_TYPES } from './op-types.js';
import { topoSort } from './validate.js';

export interface InferOptions {
  /** Concrete shapes for graph inputs (replacing symbolic dims). */
  inputShapes?: Record<string, readonly number[]>;
  /**
   * Evaluate nodes whose inputs are all known constants (the shape arithmetic that exporters emit)
   * so that Reshape/Resize see their target shapes. Outputs above this many elements stay unevaluated.
   */
  foldLimit?: number;
}

export function isStatic(shape: readonly Dim[]): shape is number[] {
  return shape.every((d) => typeof d === 'number');
}

/**
 * Infers dtype and shape of every value in the graph, in topological order, and the value of
 * everything computable from constants alone. Errors name the node that could not be typed.
 */
export function inferShapes(graph: Graph, options: InferOptions = {}): Map<string, ValueInfo> {
  const foldLimit = options.foldLimit ?? 1 << 20;
  const infos = new Map<string, ValueInfo>();
  for (const input of graph.inputs) {
    const given = options.inputShapes?.[input.name];
    if (given) checkInputShape(input.name, input.shape, given);
    infos.set(input.name, { dtype: input.dtype, shape: given ? [...given] : [...input.shape] });
  }
  for (const [name, t] of graph.initializers) {
    if (!infos.has(name)) infos.set(name, { dtype: t.dtype, shape: [...t.dims], value: t });
  }
  for (const node of topoSort(graph)) inferNode(node, infos, foldLimit);
  return infos;
}

function inferNode(node: Node, infos: Map<string, ValueInfo>, foldLimit: number): void {
  if (!isOpType(node.op)) throw new UnsupportedOpError(node.name, node.op, OP_TYPES);
  const inputs = node.inputs.map((name) => (name ? infos.get(name) : undefined));
  let outputs: ValueInfo[];
  try {
    outputs = OPS[node.op].inferShape(node, inputs);
  } catch (e) {
    if (e instanceof AtrousError) throw e;
    throw new ShapeError(node.name, node.op, `shape inference failed: ${(e as Error).message}`);
  }
  const allConstant = inputs.every((v, i) => !node.inputs[i] || v?.value !== undefined);
  const small = outputs.every((o) => isStatic(o.shape) && o.shape.reduce((a, b) => a * b, 1) <= foldLimit);
  if (allConstant && small && outputs.some((o) => o.value === undefined)) {
    const values = REF_KERNELS[node.op](
      node,
      inputs.map((v) => v?.value as Tensor | undefined),
    );
    outputs = outputs.map((o, i) => ({ ...o, value: o.value ?? values[i] }));
  }
  node.outputs.forEach((name, i) => {
    const out = outputs[i];
    if (name && out) infos.set(name, out);
  });
}

function checkInputShape(name: string, declared: readonly Dim[], given: readonly number[]): void {
  const bad =
    declared.length !== given.length ||
    declared.some((d, i) => typeof d === 'number' && d !== given[i] && d >= 0);
  if (bad) {
    throw new InputError(
      `input '${name}' has shape [${given.join(', ')}], the model expects [${declared.join(', ')}]`,
    );
  }
}
