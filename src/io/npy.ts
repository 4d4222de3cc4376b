import { BYTES_PER_ELEMENT, type DType, sizeOf, Tensor, type TensorData } from '../engine/tensor.js';
import { NpyFormatError } from '../errors.js';
import { type PyValue, parsePyLiteral } from './py-literal.js';

/**
 * NumPy .npy files (format versions 1.0, 2.0 and 3.0), C order, little-endian. Pure functions on
 * bytes so they bundle for browsers; file helpers live in ./npy-node.ts.
 * Spec: https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html
 */

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** descr (without byte order) → dtype. */
const DESCR_TO_DTYPE: Record<string, DType> = {
  f4: 'float32',
  f8: 'float64',
  i8: 'int64',
  i4: 'int32',
  u1: 'uint8',
  i1: 'int8',
  b1: 'bool',
};

const DTYPE_TO_DESCR: Record<DType, string> = {
  float32: '<f4',
  float64: '<f8',
  int64: '<i8',
  int32: '<i4',
  uint8: '|u1',
  int8: '|i1',
  bool: '|b1',
};

const SUPPORTED = Object.values(DTYPE_TO_DESCR).join(', ');

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export interface NpyHeader {
  version: [number, number];
  dtype: DType;
  shape: number[];
  /** Offset of the first data byte. */
  dataOffset: number;
}

/** Parses the preamble and header dictionary of a .npy file. */
export function parseNpyHeader(bytes: Uint8Array): NpyHeader {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new NpyFormatError('not a .npy file: it does not start with the magic string \\x93NUMPY');
  }
  const major = bytes[6] as number;
  const minor = bytes[7] as number;
  if (major < 1 || major > 3) {
    throw new NpyFormatError(`unsupported .npy format version ${major}.${minor} (supported: 1.0, 2.0, 3.0)`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lenBytes = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lenBytes)
    throw new NpyFormatError('truncated .npy file: the header length is cut off');
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = 8 + lenBytes;
  const dataOffset = start + headerLen;
  if (dataOffset > bytes.length) {
    throw new NpyFormatError(
      `truncated .npy file: the header says it is ${headerLen} bytes long, the file ends after ${bytes.length - start}`,
    );
  }
  // Versions 1 and 2 store the header as latin1, version 3 as utf8.
  const text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(start, dataOffset));
  const dict = parseHeaderDict(text);
  return {
    version: [major, minor],
    dtype: parseDescr(dict.descr),
    shape: parseShape(dict.shape),
    dataOffset,
  };
}

function parseHeaderDict(text: string): { descr: PyValue; shape: PyValue } {
  let value: PyValue;
  try {
    value = parsePyLiteral(text.trim());
  } catch (e) {
    throw new NpyFormatError(`bad .npy header ${JSON.stringify(text.trim())}: ${(e as Error).message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new NpyFormatError(`bad .npy header: expected a dictionary, got ${JSON.stringify(text.trim())}`);
  }
  for (const key of ['descr', 'fortran_order', 'shape']) {
    if (!(key in value)) throw new NpyFormatError(`bad .npy header: the key '${key}' is missing`);
  }
  if (value.fortran_order === true) {
    throw new NpyFormatError(
      'the .npy array is stored in Fortran order (fortran_order: True); only C order is supported — save it with np.save(path, np.ascontiguousarray(a))',
    );
  }
  if (value.fortran_order !== false)
    throw new NpyFormatError('bad .npy header: fortran_order is not a boolean');
  return { descr: value.descr as PyValue, shape: value.shape as PyValue };
}

function parseDescr(descr: PyValue): DType {
  if (typeof descr !== 'string') {
    throw new NpyFormatError(
      `unsupported .npy dtype ${JSON.stringify(descr)} (structured arrays are not supported); supported: ${SUPPORTED}`,
    );
  }
  const order = descr[0];
  const code = descr.slice(1);
  // Own keys only: a descr like '<constructor' must not find Object.prototype's members.
  const dtype =
    '<>|='.includes(order ?? '') && Object.hasOwn(DESCR_TO_DTYPE, code) ? DESCR_TO_DTYPE[code] : undefined;
  if (!dtype) {
    throw new NpyFormatError(`unsupported .npy dtype '${descr}'; supported: ${SUPPORTED}`);
  }
  if (order === '>' && BYTES_PER_ELEMENT[dtype] > 1) {
    throw new NpyFormatError(
      `the .npy array is big-endian ('${descr}'); only little-endian is supported — convert it with a.astype(a.dtype.newbyteorder('<'))`,
    );
  }
  return dtype;
}

function parseShape(shape: PyValue): number[] {
  if (
    !Array.isArray(shape) ||
    !shape.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0)
  ) {
    throw new NpyFormatError(
      `bad .npy header: shape ${JSON.stringify(shape)} is not a tuple of sizes (integers from 0 to 2^53-1)`,
    );
  }
  return shape as number[];
}

/** Decodes a .npy file into a Tensor (the data is copied, so the input may be reused). */
export function parseNpy(bytes: Uint8Array): Tensor {
  const header = parseNpyHeader(bytes);
  const { dtype, shape, dataOffset } = header;
  const count = sizeOf(shape);
  const width = BYTES_PER_ELEMENT[dtype];
  const byteLength = count * width;
  const available = bytes.length - dataOffset;
  if (available < byteLength) {
    throw new NpyFormatError(
      `truncated .npy file: shape (${shape.join(', ')}) of ${DTYPE_TO_DESCR[dtype]} needs ${byteLength} data bytes, the file has ${available}`,
    );
  }
  // Copy into a fresh, aligned buffer (Uint8Array.prototype.slice: a Node Buffer's own slice() would not copy).
  const raw = Uint8Array.prototype.slice.call(bytes, dataOffset, dataOffset + byteLength);
  if (!HOST_LITTLE_ENDIAN && width > 1) swapBytes(raw, width);
  const data = viewAs(dtype, raw.buffer, count);
  if (dtype === 'bool') for (let i = 0; i < count; i++) data[i] = data[i] ? 1 : 0;
  return new Tensor(dtype, shape, data);
}

function viewAs(dtype: DType, buffer: ArrayBuffer, count: number): TensorData {
  switch (dtype) {
    case 'float32':
      return new Float32Array(buffer, 0, count);
    case 'float64':
      return new Float64Array(buffer, 0, count);
    case 'int32':
      return new Int32Array(buffer, 0, count);
    case 'int64':
      return new BigInt64Array(buffer, 0, count);
    case 'int8':
      return new Int8Array(buffer, 0, count);
    case 'uint8':
    case 'bool':
      return new Uint8Array(buffer, 0, count);
  }
}

function swapBytes(raw: Uint8Array, width: number): void {
  for (let i = 0; i < raw.length; i += width) raw.subarray(i, i + width).reverse();
}

/** NumPy leaves room for the first axis to grow to this many digits (GROWTH_AXIS_MAX_DIGITS). */
const GROWTH_AXIS_MAX_DIGITS = 21;

/** The header dictionary exactly as NumPy writes it, including its spare spaces for growth. */
export function npyHeaderText(dtype: DType, dims: readonly number[]): string {
  const shape = dims.length === 1 ? `(${dims[0]},)` : `(${dims.join(', ')})`;
  const dict = `{'descr': '${DTYPE_TO_DESCR[dtype]}', 'fortran_order': False, 'shape': ${shape}, }`;
  const spare = dims.length > 0 ? GROWTH_AXIS_MAX_DIGITS - String(dims[0]).length : 0;
  return dict + ' '.repeat(Math.max(spare, 0));
}

/**
 * Encodes a Tensor as .npy, byte for byte as np.save does: version 1.0 (2.0 when the header does
 * not fit 64 KiB), the header padded with spaces and a newline so the data starts at a multiple
 * of 64 bytes.
 */
export function encodeNpy(t: Tensor): Uint8Array {
  const dict = npyHeaderText(t.dtype, t.dims);
  let version = 1;
  let total = paddedEnd(10, dict.length);
  if (total - 10 > 0xffff) {
    version = 2;
    total = paddedEnd(12, dict.length);
  }
  const preamble = version === 1 ? 10 : 12;
  const header = dict + ' '.repeat(total - preamble - dict.length - 1) + '\n';
  const width = BYTES_PER_ELEMENT[t.dtype];
  const out = new Uint8Array(total + t.size * width);
  out.set(MAGIC, 0);
  out[6] = version;
  out[7] = 0;
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, header.length, true);
  else view.setUint32(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[preamble + i] = header.charCodeAt(i);
  const data = t.data;
  const body = new Uint8Array(data.buffer, data.byteOffset, data.length * width);
  out.set(body, total);
  if (!HOST_LITTLE_ENDIAN && width > 1) swapBytes(out.subarray(total), width);
  return out;
}

/** Where the data starts: NumPy pads with 64 - ((preamble + header + newline) % 64) spaces (1..64). */
function paddedEnd(preamble: number, dictLength: number): number {
  const used = preamble + dictLength + 1;
  return used + (64 - (used % 64));
}
