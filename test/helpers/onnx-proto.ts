import { AttributeType, DataType, ModelProto } from '../../src/graph/import/onnx-schema.js';

/**
 * Hand-built ONNX models for importer tests: plain objects in onnx.proto field names, encoded with
 * the same schema the importer reads (so tests can write encodings exportOnnx never produces).
 */
export type ProtoObject = Record<string, unknown>;

export interface ModelSpec {
  nodes: ProtoObject[];
  inputs?: ProtoObject[];
  outputs?: ProtoObject[];
  initializers?: ProtoObject[];
  opset?: number;
  /** Replaces the opset_import list entirely. */
  opsetImport?: ProtoObject[];
  extra?: ProtoObject;
}

export function encodeModel(spec: ModelSpec): Uint8Array {
  const model = {
    ir_version: 8,
    opset_import: spec.opsetImport ?? [{ domain: '', version: spec.opset ?? 13 }],
    graph: {
      name: 'g',
      node: spec.nodes,
      initializer: spec.initializers ?? [],
      input: spec.inputs ?? [tensorInfo('x', DataType.FLOAT, [1, 4])],
      output: spec.outputs ?? [tensorInfo('y', DataType.FLOAT, [1, 4])],
    },
    ...spec.extra,
  };
  return ModelProto.encode(ModelProto.fromObject(model)).finish();
}

/** A ValueInfoProto; dims: number → dim_value, string → dim_param, null → neither. */
export function tensorInfo(name: string, elemType: number, dims: (number | string | null)[]): ProtoObject {
  const dim = dims.map((d) =>
    d === null ? {} : typeof d === 'string' ? { dim_param: d } : { dim_value: d },
  );
  return { name, type: { tensor_type: { elem_type: elemType, shape: { dim } } } };
}

export function node(
  op: string,
  inputs: string[],
  outputs: string[],
  attribute: ProtoObject[] = [],
  extra: ProtoObject = {},
): ProtoObject {
  return { op_type: op, input: inputs, output: outputs, attribute, ...extra };
}

export const attr = {
  int: (name: string, i: number) => ({ name, type: AttributeType.INT, i }),
  float: (name: string, f: number) => ({ name, type: AttributeType.FLOAT, f }),
  ints: (name: string, ints: number[]) => ({ name, type: AttributeType.INTS, ints }),
  floats: (name: string, floats: number[]) => ({ name, type: AttributeType.FLOATS, floats }),
  string: (name: string, s: string) => ({ name, type: AttributeType.STRING, s: new TextEncoder().encode(s) }),
  tensor: (name: string, t: ProtoObject) => ({ name, type: AttributeType.TENSOR, t }),
};

/** Little-endian bytes of a typed array (what raw_data holds). */
export function rawBytes(data: ArrayBufferView): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
}
