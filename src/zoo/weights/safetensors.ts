import { type DType, sizeOf, Tensor } from '../../engine/tensor.js';
import { ModelFormatError } from '../../errors.js';
import { decodeBf16, decodeHalf } from '../../graph/serialize/float16.js';

/**
 * The safetensors format (what `safetensors.torch.save_file(model.state_dict(), ...)` writes):
 * an 8-byte little-endian header length N, N bytes of JSON
 * `{name: {dtype, shape, data_offsets: [begin, end]}, __metadata__?: {string: string}}`,
 * then the data; offsets are relative to the end of the header. Written by hand: it is small.
 */

/** What a safetensors dtype becomes: F16/BF16 widen to float32 (the engine computes in float32). */
const DTYPES: Record<string, { dtype: DType; bytes: number }> = {
  F64: { dtype: 'float64', bytes: 8 },
  F32: { dtype: 'float32', bytes: 4 },
  F16: { dtype: 'float32', bytes: 2 },
  BF16: { dtype: 'float32', bytes: 2 },
  I64: { dtype: 'int64', bytes: 8 },
  I32: { dtype: 'int32', bytes: 4 },
  I8: { dtype: 'int8', bytes: 1 },
  U8: { dtype: 'uint8', bytes: 1 },
  BOOL: { dtype: 'bool', bytes: 1 },
};

const WRITE_DTYPES: Record<DType, string> = {
  float64: 'F64',
  float32: 'F32',
  int64: 'I64',
  int32: 'I32',
  int8: 'I8',
  uint8: 'U8',
  bool: 'BOOL',
};

/** Headers above this size are corrupt rather than real (the reference implementation caps at 100 MB). */
const MAX_HEADER = 100_000_000;

export interface Safetensors {
  tensors: Map<string, Tensor>;
  metadata: Record<string, string>;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** Parses a .safetensors file's bytes. Every problem is a ModelFormatError naming the tensor. */
export function parseSafetensors(bytes: Uint8Array): Safetensors {
  if (bytes.byteLength < 8) {
    throw new ModelFormatError(`safetensors: the file has ${bytes.byteLength} bytes, too short for a header`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getBigUint64(0, true);
  if (headerLength > BigInt(Math.min(MAX_HEADER, bytes.byteLength - 8))) {
    throw new ModelFormatError(
      `safetensors: the header claims ${headerLength} bytes but the file has ${bytes.byteLength - 8} after the length (truncated or not a safetensors file)`,
    );
  }
  const n = Number(headerLength);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n)));
  } catch (e) {
    throw new ModelFormatError(`safetensors: the header is not valid JSON (${(e as Error).message})`);
  }
  if (!isRecord(header)) throw new ModelFormatError('safetensors: the header is not a JSON object');
  const data = bytes.subarray(8 + n);
  const tensors = new Map<string, Tensor>();
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = parseMetadata(entry);
      continue;
    }
    tensors.set(name, parseTensor(name, entry, data));
  }
  return { tensors, metadata };
}

function parseMetadata(entry: unknown): Record<string, string> {
  if (!isRecord(entry) || !Object.values(entry).every((v) => typeof v === 'string')) {
    throw new ModelFormatError('safetensors: __metadata__ must map strings to strings');
  }
  return { ...(entry as Record<string, string>) };
}

function parseTensor(name: string, entry: unknown, data: Uint8Array): Tensor {
  const bad = (problem: string) => new ModelFormatError(`safetensors: tensor '${name}': ${problem}`);
  if (!isRecord(entry)) throw bad('the header entry is not an object');
  const { dtype, shape, data_offsets: offsets } = entry;
  if (typeof dtype !== 'string') throw bad('dtype is missing');
  const kind = Object.hasOwn(DTYPES, dtype) ? DTYPES[dtype] : undefined; // not Object.prototype's members
  if (!kind) {
    throw bad(`dtype ${dtype} is not supported (supported: ${Object.keys(DTYPES).join(', ')})`);
  }
  if (!Array.isArray(shape) || !shape.every(isCount))
    throw bad('shape must be a list of non-negative integers');
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) {
    throw bad('data_offsets must be [begin, end]');
  }
  const [begin, end] = offsets as [number, number];
  const size = sizeOf(shape);
  if (end < begin || end - begin !== size * kind.bytes) {
    throw bad(
      `data_offsets [${begin}, ${end}] hold ${end - begin} bytes, ${dtype} [${shape.join(', ')}] needs ${size * kind.bytes}`,
    );
  }
  if (end > data.byteLength) {
    throw bad(`data ends at byte ${end} but the file has ${data.byteLength} data bytes (truncated)`);
  }
  // A copy (aligned, independent of the file buffer); a Node Buffer's own slice() would not copy.
  const raw = Uint8Array.prototype.slice.call(data, begin, end);
  switch (dtype) {
    case 'F16':
      return new Tensor('float32', shape, decodeHalf(raw));
    case 'BF16':
      return new Tensor('float32', shape, decodeBf16(raw));
    case 'F64':
      return new Tensor('float64', shape, new Float64Array(raw.buffer));
    case 'F32':
      return new Tensor('float32', shape, new Float32Array(raw.buffer));
    case 'I64':
      return new Tensor('int64', shape, new BigInt64Array(raw.buffer));
    case 'I32':
      return new Tensor('int32', shape, new Int32Array(raw.buffer));
    case 'I8':
      return new Tensor('int8', shape, new Int8Array(raw.buffer));
    default:
      return new Tensor(kind.dtype, shape, raw as Tensor['data'] & Uint8Array);
  }
}

/**
 * Writes tensors as a .safetensors file (tests, and exporting a zoo model's weights). The header is
 * padded with spaces to a multiple of 8 bytes, as the reference writer does, so the data is aligned.
 */
export function encodeSafetensors(
  tensors: ReadonlyMap<string, Tensor> | Record<string, Tensor>,
  metadata?: Record<string, string>,
): Uint8Array {
  const entries: [string, Tensor][] =
    tensors instanceof Map ? [...tensors] : Object.entries(tensors as Record<string, Tensor>);
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, t] of entries) {
    if (name === '__metadata__')
      throw new ModelFormatError("safetensors: '__metadata__' cannot name a tensor");
    const bytes = t.data.byteLength;
    header[name] = {
      dtype: WRITE_DTYPES[t.dtype],
      shape: [...t.dims],
      data_offsets: [offset, offset + bytes],
    };
    offset += bytes;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.byteLength / 8) * 8;
  if (padded !== json.byteLength) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(json);
    json = p;
  }
  const out = new Uint8Array(8 + padded + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(padded), true);
  out.set(json, 8);
  let at = 8 + padded;
  for (const [, t] of entries) {
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), at);
    at += t.data.byteLength;
  }
  return out;
}
