import { ATROUS_DOMAIN, ATROUS_DOMAIN_OPS } from '../../engine/ops/dense_crf.js';
import { OPS } from '../../engine/ops/index.js';
import { Tensor } from '../../engine/tensor.js';
import { ModelFormatError, UnsupportedAttributeError, UnsupportedOpError } from '../../errors.js';
import type { Attrs, AttrValue, Dim, Graph, Node, TensorInfo } from '../ir.js';
import { isOpType, OP_TYPES } from '../op-types.js';
import {
  type AttributeProtoMsg,
  AttributeType,
  type GraphProtoMsg,
  int64ToNumber,
  ModelProto,
  type ModelProtoMsg,
  type NodeProtoMsg,
  type ValueInfoProtoMsg,
} from './onnx-schema.js';
import { dtypeFromOnnx, tensorFromProto } from './onnx-tensor.js';

/** Default-domain opsets atrous implements. */
export const MIN_OPSET = 11;
export const MAX_OPSET = 18;

const utf8 = new TextDecoder();
/** A bytes field as text; an absent one decodes to protobufjs' default, a plain empty array. */
const text = (bytes: Uint8Array | readonly number[]) =>
  utf8.decode(bytes instanceof Uint8Array ? bytes : Uint8Array.from(bytes));

/**
 * Reads an ONNX model (ModelProto bytes) into a Graph. Nodes pass through as they are in the file
 * (attribute or input form, by opset), except where an attribute's meaning changed between opset
 * 11 and 18: the importer makes the old meaning explicit (see `opsetDefaults`).
 */
export function importOnnx(bytes: Uint8Array): Graph {
  const model = decode(bytes);
  const g = model.graph;
  if (!g) throw new ModelFormatError('not a valid ONNX model: it has no graph (is this an ONNX file?)');
  if (g.output.length === 0) throw new ModelFormatError('not a valid ONNX model: the graph has no outputs');
  if (g.node.length === 0) throw new ModelFormatError('not a valid ONNX model: the graph has no nodes');
  const opset = defaultOpset(model);

  const initializers = new Map<string, Tensor>();
  for (const init of g.initializer) {
    if (!init.name) throw new ModelFormatError('an initializer of the graph has no name');
    initializers.set(init.name, tensorFromProto(init, `initializer '${init.name}'`));
  }
  const graph: Graph = {
    name: g.name || 'onnx',
    opset,
    inputs: g.input.filter((v) => !initializers.has(v.name)).map((v) => valueInfo(v, 'input', true)),
    outputs: g.output.map((v) => valueInfo(v, 'output', false)),
    initializers,
    nodes: convertNodes(g, opset),
  };
  const metadata = readMetadata(model);
  if (Object.keys(metadata).length > 0) graph.metadata = metadata;
  return graph;
}

function decode(bytes: Uint8Array): ModelProtoMsg {
  try {
    return ModelProto.decode(bytes) as unknown as ModelProtoMsg;
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    throw new ModelFormatError(
      `not a valid ONNX model: the protobuf could not be decoded (${reason}); the file may be truncated or not an ONNX file`,
    );
  }
}

function defaultOpset(model: ModelProtoMsg): number {
  const entry = model.opset_import.find((o) => o.domain === '' || o.domain === 'ai.onnx');
  const supported = `atrous supports default-domain (ai.onnx) opsets ${MIN_OPSET} to ${MAX_OPSET}`;
  if (!entry) {
    throw new ModelFormatError(`the model declares no opset for the default ONNX domain; ${supported}`);
  }
  const version = int64ToNumber(entry.version);
  if (version < MIN_OPSET || version > MAX_OPSET) {
    throw new ModelFormatError(
      `the model uses ONNX opset ${version}, which is not supported; ${supported} (re-export it with an opset in that range)`,
    );
  }
  return version;
}

function valueInfo(v: ValueInfoProtoMsg, kind: 'input' | 'output', needShape: boolean): TensorInfo {
  const what = `graph ${kind} '${v.name}'`;
  if (!v.name) throw new ModelFormatError(`a graph ${kind} has no name`);
  const tt = v.type?.tensor_type;
  if (!tt) {
    if (needShape) throw new ModelFormatError(`${what} is not a tensor (or has no type)`);
    return { name: v.name, dtype: 'float32', shape: [] };
  }
  const dtype = tt.elem_type || needShape ? dtypeFromOnnx(tt.elem_type, what) : 'float32';
  if (!tt.shape) {
    if (needShape) throw new ModelFormatError(`${what} has no shape (unknown rank), which atrous needs`);
    return { name: v.name, dtype, shape: [] };
  }
  const shape = tt.shape.dim.map((d, i): Dim => {
    if (d.value === 'dim_param' && d.dim_param) return d.dim_param;
    if (d.value === 'dim_value' && d.dim_value !== undefined) {
      const n = int64ToNumber(d.dim_value);
      if (n >= 0) return n;
    }
    return `${v.name}_d${i}`; // unknown dim: give it a unique symbolic name
  });
  return { name: v.name, dtype, shape };
}

function convertNodes(g: GraphProtoMsg, opset: number): Node[] {
  const used = new Set(g.node.map((n) => n.name).filter(Boolean));
  return g.node.map((n, i) => {
    let name = n.name;
    if (!name) {
      name = `${n.op_type || 'node'}_${i}`;
      while (used.has(name)) name = `${name}_`;
      used.add(name);
    }
    return convertNode(n, name, opset);
  });
}

function convertNode(n: NodeProtoMsg, name: string, opset: number): Node {
  const op = n.op_type;
  // atrous's own ops (DenseCRF) are read from the 'ai.atrous' domain only; ONNX ops from the default one.
  const domain = n.domain === 'ai.onnx' ? '' : (n.domain ?? '');
  if (domain !== (ATROUS_DOMAIN_OPS.has(op) ? ATROUS_DOMAIN : '') || !isOpType(op)) {
    throw new UnsupportedOpError(name, op, OP_TYPES, n.domain);
  }
  const attrs: Attrs = {};
  for (const a of n.attribute) attrs[a.name] = convertAttr(a, name, op);
  opsetDefaults(op, attrs, opset);
  return { name, op, inputs: [...n.input], outputs: [...n.output], attrs };
}

/**
 * Attribute defaults that differ between opset 11 and 18 for atrous's ops. Only Softmax changed
 * meaning: before 13 it flattens the input to 2-D at `axis` (default 1); from 13 it works along
 * `axis` (default -1). ArgMax (select_last_index, 12), ReduceMean/ReduceMax (axes → input and
 * noop_with_empty_axes, 18), Split (split → input 13, num_outputs 18), Squeeze/Unsqueeze (axes →
 * input, 13), Pad (axes input, 18), Resize (antialias/axes, 18) and Dropout (ratio → input, 12)
 * only gained inputs/attributes whose defaults keep the older behaviour, so they pass through.
 */
function opsetDefaults(op: string, attrs: Attrs, opset: number): void {
  if (op === 'Softmax' && opset < 13) {
    attrs.axis ??= 1;
    attrs.coerce_2d = 1;
  }
}

function convertAttr(a: AttributeProtoMsg, node: string, op: Node['op']): AttrValue {
  const fail = (problem: string): never => {
    throw new UnsupportedAttributeError(node, op, a.name || '(unnamed)', problem);
  };
  if (!a.name) fail('has no name');
  if (a.ref_attr_name) fail(`refers to a function attribute ('${a.ref_attr_name}'), which is not supported`);
  let value: AttrValue;
  switch (a.type) {
    case AttributeType.INT:
      value = int64ToNumber(a.i);
      break;
    case AttributeType.FLOAT:
      value = shortFloat(a.f);
      break;
    case AttributeType.INTS:
      value = a.ints.map(int64ToNumber);
      break;
    case AttributeType.FLOATS:
      value = a.floats.map(shortFloat);
      break;
    case AttributeType.STRING:
      value = text(a.s);
      break;
    case AttributeType.STRINGS:
      value = a.strings.map(text);
      break;
    case AttributeType.TENSOR:
      if (!a.t) return fail('is declared TENSOR but holds no tensor');
      value = tensorFromProto(a.t, `node '${node}' (${op}) attribute '${a.name}'`);
      break;
    case AttributeType.GRAPH:
    case AttributeType.GRAPHS:
      return fail('is a subgraph (GRAPH attribute); control flow is not supported');
    default:
      return fail(`has attribute type ${attrTypeName(a.type)}, which atrous does not support`);
  }
  checkDeclaredType(a, value, op, fail);
  return value;
}

/** Rejects a value whose kind contradicts the op's declared attribute type (e.g. a string alpha). */
function checkDeclaredType(
  a: AttributeProtoMsg,
  value: AttrValue,
  op: Node['op'],
  fail: (problem: string) => never,
): void {
  const spec = OPS[op].attrs[a.name];
  if (!spec) return; // undeclared attributes are reported by validateGraph
  const isList = Array.isArray(value);
  const ok =
    spec.type === 'int'
      ? typeof value === 'number' && Number.isInteger(value)
      : spec.type === 'float'
        ? typeof value === 'number'
        : spec.type === 'ints'
          ? isList && value.every((v) => typeof v === 'number' && Number.isInteger(v))
          : spec.type === 'floats'
            ? isList && value.every((v) => typeof v === 'number')
            : spec.type === 'string'
              ? typeof value === 'string'
              : spec.type === 'strings'
                ? isList && value.every((v) => typeof v === 'string')
                : value instanceof Tensor;
  if (!ok) fail(`must be of type ${spec.type}, but the model stores ${attrTypeName(a.type)}`);
}

function attrTypeName(code: number): string {
  const entry = Object.entries(AttributeType).find(([, v]) => v === code);
  return entry ? entry[0] : `unknown (${code})`;
}

/**
 * ONNX float attributes are float32; give back the shortest decimal that rounds to the same
 * float32 (0.01 rather than 0.009999999776482582), so values read as they were written.
 */
function shortFloat(f: number): number {
  if (!Number.isFinite(f)) return f;
  for (let digits = 1; digits < 10; digits++) {
    const candidate = Number(f.toPrecision(digits));
    if (Math.fround(candidate) === f) return candidate;
  }
  return f;
}

function readMetadata(model: ModelProtoMsg): Record<string, string> {
  const meta: Record<string, string> = {};
  for (const p of model.metadata_props) if (p.key) meta[p.key] = p.value;
  if (model.producer_name) meta.producer_name = model.producer_name;
  if (model.producer_version) meta.producer_version = model.producer_version;
  const version = int64ToNumber(model.model_version);
  if (version) meta.model_version = String(version);
  if (model.doc_string) meta.doc_string = model.doc_string;
  return meta;
}
