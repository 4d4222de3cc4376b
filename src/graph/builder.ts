import { type DType, Tensor } from '../engine/tensor.js';
import { GraphValidationError } from '../errors.js';
import { Rng } from '../util/random.js';
import type { Attrs, Dim, Graph, Node, TensorInfo } from './ir.js';
import type { OpType } from './op-types.js';
import { inferShapes } from './shape-inference.js';
import { validateGraph } from './validate.js';

export interface NodeOptions {
  /** Node name (default: op + counter). */
  name?: string;
  /** Output value names (default: derived from the node name). */
  outputs?: string[];
}

/**
 * The DSL the zoo and the tests write models with. Values are referred to by name (strings);
 * every method returns the name(s) of what it produced. `build()` validates the graph.
 *
 *   const b = new GraphBuilder('tiny');
 *   const x = b.input('x', [1, 3, 8, 8]);
 *   const w = b.param('w', [4, 3, 3, 3]);
 *   const y = b.op('Relu', [b.op('Conv', [x, w], { pads: [1, 1, 1, 1] })]);
 *   b.output(y);
 *   const graph = b.build();
 */
export class GraphBuilder {
  private readonly graph: Graph;
  private readonly counters = new Map<string, number>();
  private readonly rng: Rng;

  constructor(name = 'graph', options: { opset?: number; seed?: number } = {}) {
    this.graph = {
      name,
      opset: options.opset ?? 17,
      inputs: [],
      outputs: [],
      initializers: new Map(),
      nodes: [],
    };
    this.rng = new Rng(options.seed ?? 1);
  }

  input(name: string, shape: Dim[], dtype: DType = 'float32'): string {
    this.graph.inputs.push({ name, dtype, shape: [...shape] });
    return name;
  }

  /** A named constant tensor (weights, shapes, ...). */
  constant(name: string, value: Tensor): string {
    if (this.graph.initializers.has(name)) {
      throw new GraphValidationError('duplicate-name', `initializer '${name}' is defined twice`);
    }
    this.graph.initializers.set(name, value);
    return name;
  }

  /** A float32 parameter: given values, or seeded uniform values in [-scale, scale]. */
  param(name: string, dims: number[], values?: ArrayLike<number>, scale = 0.5): string {
    const size = dims.reduce((a, b) => a * b, 1);
    const data = values ? Float32Array.from(values) : this.rng.floats(size, -scale, scale);
    return this.constant(name, new Tensor('float32', dims, data));
  }

  /** An int64 constant (shapes, axes, pads...). */
  ints(name: string, values: number[], dims: number[] = [values.length]): string {
    return this.constant(name, Tensor.fromNumbers('int64', dims, values));
  }

  /** Adds one node with one output; returns the output's name. */
  op(op: OpType, inputs: string[], attrs: Attrs = {}, options: NodeOptions = {}): string {
    return this.ops(op, inputs, attrs, 1, options)[0] as string;
  }

  /** Adds one node with `outputs` outputs; returns their names. */
  ops(op: OpType, inputs: string[], attrs: Attrs = {}, outputs = 1, options: NodeOptions = {}): string[] {
    const name = options.name ?? this.fresh(op);
    const outs =
      options.outputs ?? Array.from({ length: outputs }, (_, i) => (outputs === 1 ? name : `${name}:${i}`));
    const node: Node = { name, op, inputs: [...inputs], outputs: outs, attrs: { ...attrs } };
    this.graph.nodes.push(node);
    return outs;
  }

  /** Marks values as graph outputs; their dtype and shape come from shape inference in `build()`. */
  output(...names: string[]): void {
    for (const name of names) this.graph.outputs.push({ name, dtype: 'float32', shape: [] });
  }

  /** The graph, validated, with output dtypes and shapes inferred. */
  build(): Graph {
    validateGraph(this.graph);
    const infos = inferShapes(this.graph);
    return {
      ...this.graph,
      inputs: [...this.graph.inputs],
      outputs: this.graph.outputs.map((o): TensorInfo => {
        const info = infos.get(o.name);
        return { name: o.name, dtype: info?.dtype ?? o.dtype, shape: info ? [...info.shape] : o.shape };
      }),
      nodes: [...this.graph.nodes],
      initializers: new Map(this.graph.initializers),
    };
  }

  private fresh(op: string): string {
    const n = this.counters.get(op) ?? 0;
    this.counters.set(op, n + 1);
    return `${op}_${n}`;
  }
}
