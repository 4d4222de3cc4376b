import type { DType } from '../../engine/tensor.js';
import type { Dim } from '../ir.js';

/**
 * The .atrous file: one file with a model's graph and weights.
 *
 *   bytes 0-3   'ATRS'
 *   bytes 4-7   format version (uint32, little-endian)
 *   bytes 8-11  header length N (uint32, little-endian)
 *   12..12+N    JSON header (UTF-8): AtrousHeader
 *   then        zero padding up to the first multiple of 64, where the data section starts;
 *               each tensor's bytes at a 64-byte aligned offset of the data section.
 *
 * Storage 'f32' keeps float32 bytes exactly; 'f16' stores IEEE half (float32 again on load);
 * 'raw' is every other dtype's little-endian bytes.
 */

export const ATROUS_MAGIC = 'ATRS';
/** The newest format version this atrous reads (and the one it writes). */
export const ATROUS_VERSION = 1;
export const ATROUS_ALIGN = 64;
export const ATROUS_PREAMBLE = 12;

export type TensorStorage = 'f32' | 'f16' | 'raw';

/** Where one tensor's bytes are: offset and length within the data section. */
export interface TensorEntry {
  dtype: DType;
  shape: number[];
  storage: TensorStorage;
  offset: number;
  bytes: number;
}

/** An attribute value as stored: tagged, so ints/floats/strings/tensors read back as they were. */
export type StoredAttr =
  | { type: 'number'; value: StoredNumber }
  | { type: 'numbers'; value: StoredNumber[] }
  | { type: 'string'; value: string }
  | { type: 'strings'; value: string[] }
  | { type: 'tensor'; tensor: number };

/** JSON has no NaN, ±Infinity or -0: those are stored as strings. */
export type StoredNumber = number | 'NaN' | 'Infinity' | '-Infinity' | '-0';

export interface StoredNode {
  name: string;
  op: string;
  inputs: string[];
  outputs: string[];
  attrs: Record<string, StoredAttr>;
}

export interface StoredValue {
  name: string;
  dtype: DType;
  shape: Dim[];
}

export interface AtrousHeader {
  format: 'atrous';
  version: number;
  graph: {
    name: string;
    opset: number;
    inputs: StoredValue[];
    outputs: StoredValue[];
    nodes: StoredNode[];
    metadata?: Record<string, string>;
  };
  /** The graph's initializers, in order. */
  initializers: ({ name: string } & TensorEntry)[];
  /** Tensor-valued node attributes, referred to by index from StoredAttr. */
  attrTensors: TensorEntry[];
  /** Length of the data section. */
  dataBytes: number;
}

/** True when the bytes start with the .atrous magic. */
export function isAtrousFile(bytes: Uint8Array): boolean {
  return (
    bytes.byteLength >= 4 &&
    bytes[0] === ATROUS_MAGIC.charCodeAt(0) &&
    bytes[1] === ATROUS_MAGIC.charCodeAt(1) &&
    bytes[2] === ATROUS_MAGIC.charCodeAt(2) &&
    bytes[3] === ATROUS_MAGIC.charCodeAt(3)
  );
}

export const alignUp = (n: number, to = ATROUS_ALIGN) => Math.ceil(n / to) * to;

export function storeNumber(v: number): StoredNumber {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Number.POSITIVE_INFINITY) return 'Infinity';
  if (v === Number.NEGATIVE_INFINITY) return '-Infinity';
  if (Object.is(v, -0)) return '-0';
  return v;
}

export function loadNumber(v: StoredNumber): number {
  if (typeof v === 'number') return v;
  if (v === '-0') return -0;
  return Number(v);
}
