import type { DType, Tensor } from '../engine/tensor.js';
import type { OpType } from './op-types.js';

/** A dimension: a number when known, a name (e.g. 'batch') when symbolic. */
export type Dim = number | string;

/** A named value of the graph: graph input/output or intermediate. */
export interface TensorInfo {
  name: string;
  dtype: DType;
  shape: Dim[];
}

export type AttrType = 'int' | 'ints' | 'float' | 'floats' | 'string' | 'strings' | 'tensor';
export type AttrValue = number | number[] | string | string[] | Tensor;
export type Attrs = Record<string, AttrValue>;

/**
 * One op application. `inputs` may hold '' for an omitted optional input (as ONNX does).
 * Attribute values are plain: int/float as number, ints/floats as number[], tensors as Tensor.
 * The op's definition (src/engine/ops) says which type each attribute has.
 */
export interface Node {
  name: string;
  op: OpType;
  inputs: string[];
  outputs: string[];
  attrs: Attrs;
}

/**
 * A model: inputs, outputs, constant initializers and nodes (in any order; passes and the planner
 * sort them). `opset` is the ONNX default-domain opset the model was written for.
 */
export interface Graph {
  name: string;
  opset: number;
  inputs: TensorInfo[];
  outputs: TensorInfo[];
  initializers: Map<string, Tensor>;
  nodes: Node[];
  /** Free-form metadata carried from the model file (producer, doc strings, ...). */
  metadata?: Record<string, string>;
}

/** A shallow structural copy: passes return new graphs and never mutate their input. */
export function cloneGraph(g: Graph): Graph {
  return {
    name: g.name,
    opset: g.opset,
    inputs: g.inputs.map((t) => ({ ...t, shape: [...t.shape] })),
    outputs: g.outputs.map((t) => ({ ...t, shape: [...t.shape] })),
    initializers: new Map(g.initializers),
    nodes: g.nodes.map((n) => ({
      ...n,
      inputs: [...n.inputs],
      outputs: [...n.outputs],
      attrs: { ...n.attrs },
    })),
    ...(g.metadata ? { metadata: { ...g.metadata } } : {}),
  };
}
