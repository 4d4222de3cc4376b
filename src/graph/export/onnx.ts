import { ATROUS_DOMAIN, ATROUS_DOMAIN_OPS } from '../../engine/ops/dense_crf.js';
import { OPS } from '../../engine/ops/index.js';
import type { AttrSpec } from '../../engine/ops/types.js';
import { Tensor } from '../../engine/tensor.js';
import { AtrousError } from '../../errors.js';
import { AttributeType, ModelProto } from '../import/onnx-schema.js';
import { TO_ONNX, tensorToProto } from '../import/onnx-tensor.js';
import type { AttrValue, Dim, Graph, Node, TensorInfo } from '../ir.js';

/** IR version 8 (ONNX 1.10–1.13) covers opsets 11–18, the range atrous reads. */
const IR_VERSION = 8;

/** Attributes the graph passes write for atrous's own kernels; ONNX has no equivalent. */
const INTERNAL_ATTRS = new Set(['activation', 'activation_params']);

/** Metadata keys that map to ModelProto fields rather than metadata_props. */
const MODEL_FIELDS = new Set(['producer_name', 'producer_version', 'model_version', 'doc_string']);

type Msg = Record<string, unknown>;

/**
 * Encodes a Graph as ONNX ModelProto bytes (default domain, opset `graph.opset`). Attribute types
 * come from the op definitions (an `alpha` of 1 is still written as FLOAT). Only unoptimized
 * graphs can be exported: fused nodes carry attributes ONNX does not know.
 */
export function exportOnnx(graph: Graph): Uint8Array {
  const meta = graph.metadata ?? {};
  const model: Msg = {
    ir_version: IR_VERSION,
    opset_import: [{ domain: '', version: graph.opset }, ...atrousDomainOpset(graph)],
    producer_name: meta.producer_name ?? 'atrous',
    producer_version: meta.producer_version ?? '',
    model_version: Number(meta.model_version ?? 0) || 0,
    doc_string: meta.doc_string ?? '',
    metadata_props: Object.entries(meta)
      .filter(([k]) => !MODEL_FIELDS.has(k))
      .map(([key, value]) => ({ key, value })),
    graph: {
      name: graph.name,
      node: graph.nodes.map((n) => nodeProto(n, graph.opset)),
      initializer: [...graph.initializers].map(([name, t]) => tensorToProto(t, name)),
      input: graph.inputs.map((t) => valueInfoProto(t, true)),
      output: graph.outputs.map((t) => valueInfoProto(t, false)),
    },
  };
  const err = ModelProto.verify(model);
  if (err) throw new AtrousError('INTERNAL', `ONNX export produced an invalid message: ${err}`);
  return ModelProto.encode(ModelProto.fromObject(model)).finish();
}

function valueInfoProto(t: TensorInfo, withShape: boolean): Msg {
  // Graph outputs may have no inferred shape (rank unknown): then say nothing about the shape.
  const shape = withShape || t.shape.length > 0 ? { shape: { dim: t.shape.map(dimProto) } } : {};
  return { name: t.name, type: { tensor_type: { elem_type: TO_ONNX[t.dtype], ...shape } } };
}

function dimProto(d: Dim): Msg {
  if (typeof d === 'string') return { dim_param: d };
  return d >= 0 ? { dim_value: d } : {};
}

/**
 * A Softmax over one axis (the IR's meaning, opset 13's) written below opset 13, where Softmax
 * flattens from `axis` on (coerce_2d): the two agree only over the last axis, so that one is
 * written with axis = -1 and any other is refused rather than exported with another meaning.
 */
function softmaxBefore13(n: Node): Node {
  if (n.attrs.coerce_2d === 1) return n;
  const axis = (n.attrs.axis as number | undefined) ?? -1;
  if (axis !== -1) {
    throw new AtrousError(
      'INTERNAL',
      `cannot export node '${n.name}' (Softmax) at opset < 13: a softmax over axis ${axis} alone has no spelling there (opset 11 Softmax flattens from its axis on); export with opset 13 or later`,
    );
  }
  return { ...n, attrs: { ...n.attrs, axis: -1 } };
}

function nodeProto(node: Node, opset: number): Msg {
  const n = node.op === 'Softmax' && opset < 13 ? softmaxBefore13(node) : node;
  const attribute: Msg[] = [];
  for (const [name, value] of Object.entries(n.attrs)) {
    if (name === 'coerce_2d') {
      // The importer sets coerce_2d = 1 on Softmax before opset 13, which is exactly what
      // Softmax means there; any other combination has no ONNX spelling.
      if (n.op === 'Softmax' && opset < 13 && value === 1) continue;
      throw internal(n, name);
    }
    if (INTERNAL_ATTRS.has(name)) {
      // activation '' / activation_params [] mean "nothing fused" and have nothing to export.
      if (value === '' || (Array.isArray(value) && value.length === 0)) continue;
      throw internal(n, name);
    }
    const spec = OPS[n.op].attrs[name];
    if (!spec) {
      throw new AtrousError(
        'INTERNAL',
        `cannot export node '${n.name}' (${n.op}): attribute '${name}' is not declared by the ${n.op} op definition, so its ONNX type is unknown`,
      );
    }
    attribute.push(attrProto(n, name, spec, value));
  }
  const domain = ATROUS_DOMAIN_OPS.has(n.op) ? { domain: ATROUS_DOMAIN } : {};
  return { name: n.name, op_type: n.op, ...domain, input: [...n.inputs], output: [...n.outputs], attribute };
}

/** atrous's own ops (DenseCRF) go in the 'ai.atrous' domain, version 1. */
function atrousDomainOpset(graph: Graph): Msg[] {
  return graph.nodes.some((n) => ATROUS_DOMAIN_OPS.has(n.op)) ? [{ domain: ATROUS_DOMAIN, version: 1 }] : [];
}

function internal(n: Node, name: string): AtrousError {
  return new AtrousError(
    'INTERNAL',
    `cannot export node '${n.name}' (${n.op}): attribute '${name}' is internal to atrous (written by graph passes such as activation fusion); a fused/optimized graph cannot be exported to ONNX, export the graph before optimization`,
  );
}

function attrProto(n: Node, name: string, spec: AttrSpec, value: AttrValue): Msg {
  const bad = (): never => {
    throw new AtrousError(
      'INTERNAL',
      `cannot export node '${n.name}' (${n.op}): attribute '${name}' should be ${spec.type}, got ${JSON.stringify(value)}`,
    );
  };
  const isInt = (v: unknown) => typeof v === 'number' && Number.isInteger(v);
  switch (spec.type) {
    case 'int':
      if (!isInt(value)) bad();
      return { name, type: AttributeType.INT, i: int64(value as number) };
    case 'float':
      if (typeof value !== 'number') bad();
      return { name, type: AttributeType.FLOAT, f: value };
    case 'ints':
      if (!Array.isArray(value) || !value.every(isInt)) bad();
      return { name, type: AttributeType.INTS, ints: (value as number[]).map(int64) };
    case 'floats':
      if (!Array.isArray(value) || !value.every((v) => typeof v === 'number')) bad();
      return { name, type: AttributeType.FLOATS, floats: value };
    case 'string':
      if (typeof value !== 'string') bad();
      return { name, type: AttributeType.STRING, s: new TextEncoder().encode(value as string) };
    case 'strings':
      if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) bad();
      return {
        name,
        type: AttributeType.STRINGS,
        strings: (value as string[]).map((s) => new TextEncoder().encode(s)),
      };
    case 'tensor':
      if (!(value instanceof Tensor)) bad();
      return { name, type: AttributeType.TENSOR, t: tensorToProto(value as Tensor, '') };
  }
}

const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);

/**
 * A number as an int64 field. Values past 2^53 (INT64_MAX in Slice ends, say) are clamped into
 * the int64 range and handed to protobufjs as low/high words so they do not wrap.
 */
function int64(v: number): number | { low: number; high: number } {
  if (Number.isSafeInteger(v)) return v;
  let b = BigInt(v);
  if (b > INT64_MAX) b = INT64_MAX;
  if (b < INT64_MIN) b = INT64_MIN;
  const u = BigInt.asUintN(64, b);
  return { low: Number(u & 0xffffffffn) | 0, high: Number(u >> 32n) | 0 };
}
