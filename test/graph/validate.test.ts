import { describe, expect, it } from 'vitest';
import { Tensor } from '../../src/engine/tensor.js';
import {
  type GraphProblem,
  GraphValidationError,
  UnsupportedAttributeError,
  UnsupportedOpError,
} from '../../src/errors.js';
import type { Attrs, Graph, Node } from '../../src/graph/ir.js';
import type { OpType } from '../../src/graph/op-types.js';
import { inferShapes } from '../../src/graph/shape-inference.js';
import { topoSort, validateGraph } from '../../src/graph/validate.js';

function node(name: string, op: OpType, inputs: string[], outputs: string[], attrs: Attrs = {}): Node {
  return { name, op, inputs, outputs, attrs };
}

function graph(nodes: Node[], outputs: string[], initializers: Record<string, Tensor> = {}): Graph {
  return {
    name: 'g',
    opset: 17,
    inputs: [{ name: 'x', dtype: 'float32', shape: [2, 3] }],
    outputs: outputs.map((name) => ({ name, dtype: 'float32', shape: [] })),
    initializers: new Map(Object.entries(initializers)),
    nodes,
  };
}

function expectProblem(g: Graph, problem: GraphProblem, ...mentions: string[]): void {
  let caught: unknown;
  try {
    validateGraph(g);
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(GraphValidationError);
  const err = caught as GraphValidationError;
  expect(err.problem).toBe(problem);
  expect(err.code).toBe('GRAPH_VALIDATION');
  for (const m of mentions) expect(err.message).toContain(m);
}

function expectBadAttribute(g: Graph, nodeName: string, attribute: string, pattern: RegExp): void {
  let caught: unknown;
  try {
    validateGraph(g);
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(UnsupportedAttributeError);
  const err = caught as UnsupportedAttributeError;
  expect(err.nodeName).toBe(nodeName);
  expect(err.attribute).toBe(attribute);
  expect(err.message).toContain(`'${nodeName}'`);
  expect(err.message).toMatch(pattern);
}

const scalar = (v: number) => Tensor.scalar('float32', v);

describe('validateGraph', () => {
  it('returns the nodes in topological order', () => {
    const g = graph(
      [
        node('second', 'Tanh', ['r'], ['t']),
        node('first', 'Relu', ['x'], ['r']),
        node('third', 'Add', ['t', 'c'], ['y']),
      ],
      ['y'],
      { c: scalar(1) },
    );
    expect(validateGraph(g).map((n) => n.name)).toEqual(['first', 'second', 'third']);
  });

  it('accepts an initializer that is also a graph input', () => {
    const g = graph([node('r', 'Relu', ['x'], ['y'])], ['y'], { x: new Tensor('float32', [2, 3]) });
    expect(validateGraph(g)).toHaveLength(1);
  });

  it('rejects a cycle, naming its nodes', () => {
    const g = graph(
      [node('a', 'Relu', ['x'], ['p']), node('b', 'Add', ['p', 'q'], ['r']), node('c', 'Tanh', ['r'], ['q'])],
      ['r'],
    );
    expectProblem(g, 'cycle', "'b'", "'c'");
    expect(() => topoSort(g)).toThrow(GraphValidationError);
  });

  it('rejects an input nobody produces, naming node and value', () => {
    expectProblem(
      graph([node('r', 'Relu', ['nowhere'], ['y'])], ['y']),
      'dangling-input',
      "'r'",
      "'nowhere'",
    );
  });

  it('rejects a value written twice', () => {
    const twice = [node('a', 'Relu', ['x'], ['y']), node('b', 'Tanh', ['x'], ['y'])];
    expectProblem(graph(twice, ['y']), 'duplicate-name', "'y'", "'b'");
    expectProblem(graph([node('a', 'Relu', ['x'], ['x'])], ['x']), 'duplicate-name', "'x'");
    expectProblem(graph([node('a', 'Relu', ['x'], ['c'])], ['c'], { c: scalar(0) }), 'duplicate-name', "'c'");
  });

  it('rejects two nodes with the same name', () => {
    const g = graph([node('n', 'Relu', ['x'], ['a']), node('n', 'Tanh', ['a'], ['y'])], ['y']);
    expectProblem(g, 'duplicate-name', "'n'");
  });

  it('rejects a graph output nobody produces', () => {
    expectProblem(graph([node('r', 'Relu', ['x'], ['y'])], ['y', 'z']), 'missing-output', "'z'");
  });

  it('rejects the wrong number of inputs or outputs', () => {
    expectProblem(graph([node('r', 'Relu', ['x', 'x'], ['y'])], ['y']), 'arity', "'r'", 'Relu', '2 inputs');
    expectProblem(graph([node('s', 'Add', ['x'], ['y'])], ['y']), 'arity', "'s'", '1 inputs');
    expectProblem(graph([node('t', 'Tanh', ['x'], ['y', 'z'])], ['y']), 'arity', "'t'", '2 outputs');
    // An omitted optional input ('') in the middle is fine.
    const clip = node('c', 'Clip', ['x', '', 'hi'], ['y']);
    expect(validateGraph(graph([clip], ['y'], { hi: scalar(1) }))).toHaveLength(1);
  });

  it('rejects an attribute of the wrong type', () => {
    const g = graph([node('leaky', 'LeakyRelu', ['x'], ['y'], { alpha: 'big' })], ['y']);
    expectBadAttribute(g, 'leaky', 'alpha', /must be a float/);
    const h = graph([node('cat', 'Concat', ['x', 'x'], ['y'], { axis: 0.5 })], ['y']);
    expectBadAttribute(h, 'cat', 'axis', /must be an int/);
  });

  it('rejects an attribute the op does not have, listing the known ones', () => {
    const g = graph([node('hs', 'HardSigmoid', ['x'], ['y'], { gamma: 1 })], ['y']);
    expectBadAttribute(g, 'hs', 'gamma', /not an attribute.*known: alpha, beta/);
  });

  it('rejects a missing required attribute', () => {
    const g = graph([node('cat', 'Concat', ['x', 'x'], ['y'])], ['y']);
    expectBadAttribute(g, 'cat', 'axis', /is required/);
  });

  it('rejects a value outside the implemented ones, listing the supported ones', () => {
    const pads = Tensor.fromNumbers('int64', [4], [0, 1, 0, 1]);
    const g = graph([node('pad', 'Pad', ['x', 'p'], ['y'], { mode: 'wrap' })], ['y'], { p: pads });
    expectBadAttribute(g, 'pad', 'mode', /"wrap" is not supported; supported: .*"constant"/);
  });

  it('rejects an op atrous does not know (a graph built in JS can name any), in shape inference too', () => {
    // ReduceSum is a real ONNX op that atrous does not implement: the error names it and the node.
    const g = graph([node('sum', 'ReduceSum' as OpType, ['x'], ['y'])], ['y']);
    for (const check of [() => validateGraph(g), () => inferShapes(g)]) {
      let caught: unknown;
      try {
        check();
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(UnsupportedOpError);
      expect((caught as UnsupportedOpError).op).toBe('ReduceSum');
      expect((caught as Error).message).toMatch(/node 'sum': op 'ReduceSum' is not supported/);
    }
  });
});
