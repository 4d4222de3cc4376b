import {
  BYTES_PER_ELEMENT,
  DTYPES,
  type DType,
  sizeOf,
  Tensor,
  type TensorData,
} from '../../engine/tensor.js';
import { ModelFormatError, UnsupportedOpError } from '../../errors.js';
import type { Attrs, AttrValue, Dim, Graph, Node, TensorInfo } from '../ir.js';
import { OP_TYPES, type OpType } from '../op-types.js';
import {
  ATROUS_PREAMBLE,
  ATROUS_VERSION,
  alignUp,
  isAtrousFile,
  loadNumber,
  type StoredNumber,
} from './atrous-format.js';
import { decodeHalf } from './float16.js';

/** Thrown for any structural problem; the message says what, the reader prefixes the context. */
const corrupt = (what: string) => new ModelFormatError(`.atrous file is corrupt: ${what}`);

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isStoredNumber = (v: unknown): v is StoredNumber =>
  typeof v === 'number' || v === 'NaN' || v === 'Infinity' || v === '-Infinity' || v === '-0';
const isDType = (v: unknown): v is DType =>
  typeof v === 'string' && (DTYPES as readonly string[]).includes(v);

function field<T>(obj: Json, key: string, ok: (v: unknown) => v is T, where: string): T {
  const v = obj[key];
  if (!ok(v)) throw corrupt(`${where}: field '${key}' is missing or has the wrong type`);
  return v;
}
const isString = (v: unknown): v is string => typeof v === 'string';
const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every(isString);
const isArray = (v: unknown): v is unknown[] => Array.isArray(v);
const isDims = (v: unknown): v is Dim[] => Array.isArray(v) && v.every((d) => isCount(d) || isString(d));

/** Reads a .atrous file back into the Graph it was saved from. */
export function loadAtrous(bytes: Uint8Array): Graph {
  if (!isAtrousFile(bytes)) throw new ModelFormatError("not an .atrous file (no 'ATRS' magic)");
  if (bytes.byteLength < ATROUS_PREAMBLE) throw corrupt(`truncated at ${bytes.byteLength} bytes`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(4, true);
  if (version > ATROUS_VERSION) {
    throw new ModelFormatError(
      `the file is .atrous format version ${version}; this atrous reads versions up to ${ATROUS_VERSION} (upgrade atrous)`,
    );
  }
  if (version === 0) throw corrupt('format version 0');
  const headerLength = view.getUint32(8, true);
  if (ATROUS_PREAMBLE + headerLength > bytes.byteLength) {
    throw corrupt(
      `the header needs ${headerLength} bytes, the file has ${bytes.byteLength - ATROUS_PREAMBLE} (truncated)`,
    );
  }
  let header: unknown;
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(
      bytes.subarray(ATROUS_PREAMBLE, ATROUS_PREAMBLE + headerLength),
    );
    header = JSON.parse(text);
  } catch (e) {
    throw corrupt(`the header is not valid JSON (${(e as Error).message})`);
  }
  if (!isObject(header) || header.format !== 'atrous') throw corrupt('the header is not an atrous header');
  const dataStart = alignUp(ATROUS_PREAMBLE + headerLength);
  const dataBytes = field(header, 'dataBytes', isCount, 'header');
  if (dataStart + dataBytes > bytes.byteLength) {
    throw corrupt(
      `the weights need ${dataStart + dataBytes} bytes, the file has ${bytes.byteLength} (truncated)`,
    );
  }
  const data = bytes.subarray(dataStart, dataStart + dataBytes);
  const g = field(header, 'graph', isObject, 'header');
  const attrTensors = field(header, 'attrTensors', isArray, 'header').map((e, i) =>
    readTensor(e, data, `attribute tensor ${i}`),
  );
  const initializers = new Map<string, Tensor>();
  for (const [i, e] of field(header, 'initializers', isArray, 'header').entries()) {
    if (!isObject(e)) throw corrupt(`initializer ${i} is not an object`);
    const name = field(e, 'name', isString, `initializer ${i}`);
    initializers.set(name, readTensor(e, data, `initializer '${name}'`));
  }
  const metadata = g.metadata;
  if (metadata !== undefined && !(isObject(metadata) && Object.values(metadata).every(isString))) {
    throw corrupt('graph metadata must map strings to strings');
  }
  return {
    name: field(g, 'name', isString, 'graph'),
    opset: field(g, 'opset', isCount, 'graph'),
    inputs: field(g, 'inputs', isArray, 'graph').map((v, i) => readValue(v, `graph input ${i}`)),
    outputs: field(g, 'outputs', isArray, 'graph').map((v, i) => readValue(v, `graph output ${i}`)),
    initializers,
    nodes: field(g, 'nodes', isArray, 'graph').map((n, i) => readNode(n, i, attrTensors)),
    ...(metadata !== undefined ? { metadata: { ...(metadata as Record<string, string>) } } : {}),
  };
}

function readValue(v: unknown, where: string): TensorInfo {
  if (!isObject(v)) throw corrupt(`${where} is not an object`);
  return {
    name: field(v, 'name', isString, where),
    dtype: field(v, 'dtype', isDType, where),
    shape: [...field(v, 'shape', isDims, where)],
  };
}

function readNode(n: unknown, index: number, attrTensors: Tensor[]): Node {
  if (!isObject(n)) throw corrupt(`node ${index} is not an object`);
  const name = field(n, 'name', isString, `node ${index}`);
  const where = `node '${name}'`;
  const op = field(n, 'op', isString, where);
  if (!(OP_TYPES as readonly string[]).includes(op)) throw new UnsupportedOpError(name, op, OP_TYPES);
  // fromEntries defines own properties: a key '__proto__' stays a key instead of replacing the prototype.
  const attrs: Attrs = Object.fromEntries(
    Object.entries(field(n, 'attrs', isObject, where)).map(([key, a]) => [
      key,
      readAttr(a, `${where} attribute '${key}'`, attrTensors),
    ]),
  );
  return {
    name,
    op: op as OpType,
    inputs: [...field(n, 'inputs', isStrings, where)],
    outputs: [...field(n, 'outputs', isStrings, where)],
    attrs,
  };
}

function readAttr(a: unknown, where: string, attrTensors: Tensor[]): AttrValue {
  if (!isObject(a)) throw corrupt(`${where} is not an object`);
  const v = a.value;
  switch (a.type) {
    case 'number':
      if (isStoredNumber(v)) return loadNumber(v);
      break;
    case 'numbers':
      if (Array.isArray(v) && v.every(isStoredNumber)) return v.map(loadNumber);
      break;
    case 'string':
      if (isString(v)) return v;
      break;
    case 'strings':
      if (isStrings(v)) return [...v];
      break;
    case 'tensor': {
      const t = isCount(a.tensor) ? attrTensors[a.tensor] : undefined;
      if (t) return t;
      break;
    }
  }
  throw corrupt(`${where} has a bad value`);
}

function readTensor(e: unknown, data: Uint8Array, where: string): Tensor {
  if (!isObject(e)) throw corrupt(`${where} is not an object`);
  const dtype = field(e, 'dtype', isDType, where);
  const shape = field(e, 'shape', (v): v is number[] => Array.isArray(v) && v.every(isCount), where);
  const offset = field(e, 'offset', isCount, where);
  const length = field(e, 'bytes', isCount, where);
  const storage = field(e, 'storage', isString, where);
  const size = sizeOf(shape);
  const expected =
    storage === 'f16' && dtype === 'float32'
      ? size * 2
      : storage === (dtype === 'float32' ? 'f32' : 'raw')
        ? size * BYTES_PER_ELEMENT[dtype]
        : -1;
  if (expected < 0) throw corrupt(`${where}: storage '${storage}' cannot hold ${dtype}`);
  if (length !== expected)
    throw corrupt(`${where}: ${length} bytes stored, ${dtype} [${shape}] needs ${expected}`);
  if (offset + length > data.byteLength) throw corrupt(`${where}: its bytes lie beyond the end of the data`);
  const raw = data.slice(offset, offset + length); // A copy, aligned for the typed array.
  if (storage === 'f16') return new Tensor('float32', shape, decodeHalf(raw));
  return new Tensor(dtype, shape, typedView(dtype, raw.buffer));
}

function typedView(dtype: DType, buffer: ArrayBuffer): TensorData {
  switch (dtype) {
    case 'float32':
      return new Float32Array(buffer);
    case 'float64':
      return new Float64Array(buffer);
    case 'int32':
      return new Int32Array(buffer);
    case 'int64':
      return new BigInt64Array(buffer);
    case 'int8':
      return new Int8Array(buffer);
    case 'uint8':
    case 'bool':
      return new Uint8Array(buffer);
  }
}
