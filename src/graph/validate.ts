import { OPS } from '../engine/ops/index.js';
import type { AttrSpec } from '../engine/ops/types.js';
import { Tensor } from '../engine/tensor.js';
import { GraphValidationError, UnsupportedAttributeError, UnsupportedOpError } from '../errors.js';
import type { AttrValue, Graph, Node } from './ir.js';
import { isOpType, OP_TYPES } from './op-types.js';

/**
 * Orders nodes so that every node comes after the producers of its inputs (Kahn's algorithm,
 * stable with respect to the original order). Throws on a cycle or on an input nobody produces.
 */
export function topoSort(graph: Graph): Node[] {
  const available = new Set<string>([...graph.inputs.map((t) => t.name), ...graph.initializers.keys()]);
  const producer = new Map<string, Node>();
  for (const node of graph.nodes) for (const out of node.outputs) if (out) producer.set(out, node);

  for (const node of graph.nodes) {
    for (const input of node.inputs) {
      if (input && !available.has(input) && !producer.has(input)) {
        throw new GraphValidationError(
          'dangling-input',
          `node '${node.name}' (${node.op}) reads '${input}', which is not a graph input, an initializer or the output of any node`,
        );
      }
    }
  }

  const pending = new Map<Node, number>();
  const consumers = new Map<string, Node[]>();
  for (const node of graph.nodes) {
    let waiting = 0;
    for (const input of new Set(node.inputs)) {
      if (input && !available.has(input)) {
        waiting++;
        const list = consumers.get(input) ?? [];
        list.push(node);
        consumers.set(input, list);
      }
    }
    pending.set(node, waiting);
  }

  const order: Node[] = [];
  const ready = graph.nodes.filter((n) => pending.get(n) === 0);
  const index = new Map(graph.nodes.map((n, i) => [n, i]));
  while (ready.length > 0) {
    ready.sort((a, b) => (index.get(a) ?? 0) - (index.get(b) ?? 0));
    const node = ready.shift() as Node;
    order.push(node);
    for (const out of node.outputs) {
      for (const consumer of consumers.get(out) ?? []) {
        const left = (pending.get(consumer) ?? 0) - 1;
        pending.set(consumer, left);
        if (left === 0) ready.push(consumer);
      }
    }
  }
  if (order.length !== graph.nodes.length) {
    const stuck = graph.nodes.filter((n) => !order.includes(n)).map((n) => `'${n.name}'`);
    throw new GraphValidationError('cycle', `nodes ${stuck.slice(0, 5).join(', ')} are part of a cycle`);
  }
  return order;
}

/**
 * Checks a graph is well formed: unique names, every input produced, no cycle, op arity, attribute
 * types and implemented values, every graph output produced. Returns the nodes in topological order.
 */
export function validateGraph(graph: Graph): Node[] {
  const seenNodes = new Set<string>();
  const written = new Set<string>();
  const writeOnce = (name: string, what: string) => {
    if (written.has(name))
      throw new GraphValidationError('duplicate-name', `value '${name}' is defined twice (${what})`);
    written.add(name);
  };
  for (const t of graph.inputs) writeOnce(t.name, 'graph input');
  for (const name of graph.initializers.keys()) {
    // ONNX allows an initializer to double as a graph input's default value.
    if (!graph.inputs.some((t) => t.name === name)) writeOnce(name, 'initializer');
  }
  for (const node of graph.nodes) {
    if (seenNodes.has(node.name))
      throw new GraphValidationError('duplicate-name', `two nodes are named '${node.name}'`);
    seenNodes.add(node.name);
    for (const out of node.outputs) if (out) writeOnce(out, `output of node '${node.name}'`);
    validateNode(node);
  }
  const order = topoSort(graph);
  for (const out of graph.outputs) {
    if (!written.has(out.name)) {
      throw new GraphValidationError(
        'missing-output',
        `graph output '${out.name}' is not produced by any node`,
      );
    }
  }
  return order;
}

/** Arity and attributes of one node against its op definition. */
export function validateNode(node: Node): void {
  // A graph built in JS (or cast in TS) can name any op; the importers already check theirs.
  if (!isOpType(node.op)) throw new UnsupportedOpError(node.name, node.op, OP_TYPES);
  const def = OPS[node.op];
  const nIn = lastPresent(node.inputs);
  if (nIn < def.inputs.min || node.inputs.length > def.inputs.max) {
    throw new GraphValidationError(
      'arity',
      `node '${node.name}' (${node.op}) has ${node.inputs.length} inputs; ${node.op} takes ${range(def.inputs)}`,
    );
  }
  if (node.outputs.length < def.outputs.min || node.outputs.length > def.outputs.max) {
    throw new GraphValidationError(
      'arity',
      `node '${node.name}' (${node.op}) has ${node.outputs.length} outputs; ${node.op} gives ${range(def.outputs)}`,
    );
  }
  for (const [name, value] of Object.entries(node.attrs)) {
    const spec = def.attrs[name];
    if (!spec) {
      const known = Object.keys(def.attrs);
      throw new UnsupportedAttributeError(
        node.name,
        node.op,
        name,
        `is not an attribute atrous implements for ${node.op}${known.length ? ` (known: ${known.join(', ')})` : ''}`,
      );
    }
    checkAttr(node, name, spec, value);
  }
  for (const [name, spec] of Object.entries(def.attrs)) {
    if (node.attrs[name] === undefined && spec.default === undefined && !spec.optional) {
      throw new UnsupportedAttributeError(node.name, node.op, name, 'is required');
    }
  }
}

function checkAttr(node: Node, name: string, spec: AttrSpec, value: AttrValue): void {
  const fail = (problem: string): never => {
    throw new UnsupportedAttributeError(node.name, node.op, name, problem);
  };
  const isNum = (v: unknown) => typeof v === 'number';
  switch (spec.type) {
    case 'int':
      if (!isNum(value) || !Number.isInteger(value)) fail(`must be an int, got ${JSON.stringify(value)}`);
      break;
    case 'float':
      if (!isNum(value)) fail(`must be a float, got ${JSON.stringify(value)}`);
      break;
    case 'ints':
      if (!Array.isArray(value) || !value.every((v) => isNum(v) && Number.isInteger(v)))
        fail('must be a list of ints');
      break;
    case 'floats':
      if (!Array.isArray(value) || !value.every(isNum)) fail('must be a list of floats');
      break;
    case 'string':
      if (typeof value !== 'string') fail(`must be a string, got ${JSON.stringify(value)}`);
      break;
    case 'strings':
      if (!Array.isArray(value) || !value.every((v) => typeof v === 'string'))
        fail('must be a list of strings');
      break;
    case 'tensor':
      if (!(value instanceof Tensor)) fail('must be a tensor');
      break;
  }
  if (spec.oneOf && !spec.oneOf.includes(value as string | number)) {
    fail(
      `= ${JSON.stringify(value)} is not supported; supported: ${spec.oneOf.map((v) => JSON.stringify(v)).join(', ')}`,
    );
  }
}

function lastPresent(inputs: string[]): number {
  let n = inputs.length;
  while (n > 0 && !inputs[n - 1]) n--;
  return n;
}

function range(r: { min: number; max: number }): string {
  return r.min === r.max ? `${r.min}` : `${r.min} to ${r.max}`;
}
