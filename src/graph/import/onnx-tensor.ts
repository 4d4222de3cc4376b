import { BYTES_PER_ELEMENT, type DType, type DTypeArrays, sizeOf, Tensor } from '../../engine/tensor.js';
import { ModelFormatError } from '../../errors.js';
import { bf16ToFloat, halfToFloat } from '../serialize/float16.js';
import {
  DATA_LOCATION_EXTERNAL,
  DataType,
  type Int64,
  int64ToBigInt,
  int64ToNumber,
  type TensorProtoMsg,
} from './onnx-schema.js';

/**
 * TensorProto <-> Tensor. raw_data is little-endian in ONNX; every JS host atrous targets (x86,
 * ARM, wasm) is little-endian too, so raw bytes are copied straight into typed arrays.
 */

const DATA_TYPE_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(DataType).map(([name, code]) => [code, name]),
);

export function dataTypeName(code: number): string {
  return DATA_TYPE_NAMES[code] ?? `unknown (${code})`;
}

/** ONNX element type → atrous dtype (float16/bfloat16 are widened to float32 on import). */
const FROM_ONNX: Partial<Record<number, DType>> = {
  [DataType.FLOAT]: 'float32',
  [DataType.FLOAT16]: 'float32',
  [DataType.BFLOAT16]: 'float32',
  [DataType.DOUBLE]: 'float64',
  [DataType.INT64]: 'int64',
  [DataType.INT32]: 'int32',
  [DataType.UINT8]: 'uint8',
  [DataType.INT8]: 'int8',
  [DataType.BOOL]: 'bool',
};

export const TO_ONNX: Record<DType, number> = {
  float32: DataType.FLOAT,
  float64: DataType.DOUBLE,
  int64: DataType.INT64,
  int32: DataType.INT32,
  uint8: DataType.UINT8,
  int8: DataType.INT8,
  bool: DataType.BOOL,
};

const SUPPORTED = 'FLOAT, FLOAT16, BFLOAT16, DOUBLE, INT64, INT32, UINT8, INT8, BOOL';

/** The atrous dtype of an ONNX element type; `what` names the value in the error. */
export function dtypeFromOnnx(code: number, what: string): DType {
  const dtype = FROM_ONNX[code];
  if (!dtype) {
    throw new ModelFormatError(
      `${what} has element type ${dataTypeName(code)}, which atrous does not support (supported: ${SUPPORTED})`,
    );
  }
  return dtype;
}

/** Converts one TensorProto; `what` (e.g. "initializer 'w'") names it in errors. */
export function tensorFromProto(p: TensorProtoMsg, what: string): Tensor {
  if (p.data_location === DATA_LOCATION_EXTERNAL || p.external_data.length > 0) {
    throw new ModelFormatError(
      `${what} keeps its data in an external file (ONNX external data), which atrous does not support; ` +
        'save the model with all tensors inside the .onnx file (onnx.save_model(..., save_as_external_data=False))',
    );
  }
  const dims = p.dims.map((d: Int64) => int64ToNumber(d));
  if (dims.some((d) => !Number.isSafeInteger(d) || d < 0)) {
    throw new ModelFormatError(`${what} has invalid dims [${dims.join(', ')}]`);
  }
  const dtype = dtypeFromOnnx(p.data_type, what);
  const size = sizeOf(dims);
  const raw = p.raw_data;
  if (raw && raw.length > 0) return fromRaw(p.data_type, dtype, dims, raw, what);
  return fromTyped(p, dtype, dims, size, what);
}

function fromRaw(code: number, dtype: DType, dims: number[], raw: Uint8Array, what: string): Tensor {
  const size = sizeOf(dims);
  const half = code === DataType.FLOAT16 || code === DataType.BFLOAT16;
  const elementBytes = half ? 2 : BYTES_PER_ELEMENT[dtype];
  if (raw.length !== size * elementBytes) {
    throw new ModelFormatError(
      `${what}: raw_data has ${raw.length} bytes, dims [${dims.join(', ')}] of ${dataTypeName(code)} need ${size * elementBytes}`,
    );
  }
  // Copy to a fresh, aligned buffer: raw_data is a view into the model file at any offset (in
  // Node a Buffer, whose slice() would not copy).
  const buffer = new Uint8Array(raw).buffer;
  if (half) {
    const bits = new Uint16Array(buffer);
    const convert = code === DataType.FLOAT16 ? halfToFloat : bf16ToFloat;
    const out = new Float32Array(size);
    for (let i = 0; i < size; i++) out[i] = convert(bits[i] as number);
    return new Tensor('float32', dims, out);
  }
  return new Tensor(dtype, dims, viewAs(dtype, buffer));
}

function viewAs<D extends DType>(dtype: D, buffer: ArrayBuffer): DTypeArrays[D] {
  switch (dtype) {
    case 'float32':
      return new Float32Array(buffer) as DTypeArrays[D];
    case 'float64':
      return new Float64Array(buffer) as DTypeArrays[D];
    case 'int32':
      return new Int32Array(buffer) as DTypeArrays[D];
    case 'int64':
      return new BigInt64Array(buffer) as DTypeArrays[D];
    case 'int8':
      return new Int8Array(buffer) as DTypeArrays[D];
    default:
      return new Uint8Array(buffer) as DTypeArrays[D];
  }
}

/** The typed-field encodings (float_data, int32_data, int64_data, double_data). */
function fromTyped(p: TensorProtoMsg, dtype: DType, dims: number[], size: number, what: string): Tensor {
  const code = p.data_type;
  const source: ArrayLike<number | Int64> =
    code === DataType.FLOAT
      ? p.float_data
      : code === DataType.DOUBLE
        ? p.double_data
        : code === DataType.INT64
          ? p.int64_data
          : p.int32_data;
  if (source.length !== size) {
    throw new ModelFormatError(
      `${what} has dims [${dims.join(', ')}] (${size} elements) but holds ${source.length} values`,
    );
  }
  if (dtype === 'int64') {
    const out = new BigInt64Array(size);
    for (let i = 0; i < size; i++) out[i] = int64ToBigInt(source[i] as Int64);
    return new Tensor('int64', dims, out);
  }
  const values = Array.from(source as ArrayLike<number>);
  if (code === DataType.FLOAT16) return Tensor.fromNumbers('float32', dims, values.map(halfToFloat));
  if (code === DataType.BFLOAT16) return Tensor.fromNumbers('float32', dims, values.map(bf16ToFloat));
  if (dtype === 'bool')
    return Tensor.fromNumbers(
      'bool',
      dims,
      values.map((v) => (v ? 1 : 0)),
    );
  return Tensor.fromNumbers(dtype, dims, values);
}

/** Tensor → TensorProto fields (raw_data encoding). */
export function tensorToProto(t: Tensor, name: string): Record<string, unknown> {
  const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength).slice();
  return { name, dims: [...t.dims], data_type: TO_ONNX[t.dtype], raw_data: bytes };
}
