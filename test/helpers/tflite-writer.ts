import { Builder } from 'flatbuffers';

/**
 * A small TFLite writer for tests (flatbuffers.Builder, field ids from tensorflow/lite/schema/
 * schema.fbs): tests describe tiny models — tensors, operators, options — and get .tflite bytes.
 * Written independently of the importer's readers so the two check each other.
 */

export const TT = { FLOAT32: 0, FLOAT16: 1, INT32: 2, UINT8: 3, INT64: 4, INT8: 9 } as const;

/** BuiltinOperator codes used by the tests. */
export const OP = {
  ADD: 0,
  AVERAGE_POOL_2D: 1,
  CONCATENATION: 2,
  CONV_2D: 3,
  DEPTHWISE_CONV_2D: 4,
  DEQUANTIZE: 6,
  FULLY_CONNECTED: 9,
  LOGISTIC: 14,
  MAX_POOL_2D: 17,
  MUL: 18,
  RELU: 19,
  RELU_N1_TO_1: 20,
  RELU6: 21,
  RESHAPE: 22,
  RESIZE_BILINEAR: 23,
  SOFTMAX: 25,
  SPACE_TO_DEPTH: 26,
  TANH: 28,
  CUSTOM: 32,
  PAD: 34,
  TRANSPOSE: 39,
  MEAN: 40,
  SUB: 41,
  TRANSPOSE_CONV: 67,
  RESIZE_NEAREST_NEIGHBOR: 97,
  HARD_SWISH: 117,
} as const;

/** BuiltinOptions union indices. */
export const OPT = {
  Conv2D: 1,
  DepthwiseConv2D: 2,
  Pool2D: 5,
  FullyConnected: 8,
  Softmax: 9,
  Concatenation: 10,
  Add: 11,
  ResizeBilinear: 15,
  Reshape: 17,
  Mul: 21,
  Pad: 22,
  Transpose: 26,
  Reducer: 27,
  Sub: 28,
  TransposeConv: 49,
  ResizeNearestNeighbor: 74,
} as const;

export const SAME = 0;
export const VALID = 1;
export const ACT = { NONE: 0, RELU: 1, RELU_N1_TO_1: 2, RELU6: 3, TANH: 4, SIGN_BIT: 5 } as const;

export type Field =
  | { id: number; int: number }
  | { id: number; byte: number }
  | { id: number; bool: boolean }
  | { id: number; float: number };

export interface TensorSpec {
  name: string;
  shape: number[];
  type: number;
  /** Raw little-endian bytes of a constant. */
  data?: Uint8Array;
  quant?: { scale: number[]; zeroPoint: number[] };
  signature?: number[];
}

export interface OpSpec {
  builtin: number;
  custom?: string;
  inputs: number[];
  outputs: number[];
  optionsType?: number;
  options?: Field[];
  customOptions?: Uint8Array;
}

/** IEEE float → half bits (round to nearest even; tests use values well inside the range). */
export function floatToHalf(v: number): number {
  const f = new Float32Array([v]);
  const bits = new Uint32Array(f.buffer)[0] as number;
  const sign = (bits >>> 16) & 0x8000;
  const exp = ((bits >>> 23) & 0xff) - 127 + 15;
  let mant = bits & 0x7fffff;
  if (exp <= 0) return sign; // flush tiny values (not used by the tests)
  // round mantissa to 10 bits, nearest even
  const rest = mant & 0x1fff;
  mant >>= 13;
  if (rest > 0x1000 || (rest === 0x1000 && mant & 1)) mant++;
  return sign | ((exp + (mant >> 10)) << 10) | (mant & 0x3ff);
}

export function halfBitsToFloat(h: number): number {
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  const s = h & 0x8000 ? -1 : 1;
  return e === 0 ? s * m * 2 ** -24 : s * 2 ** (e - 15) * (1 + m / 1024);
}

export const bytesOf = (a: Float32Array | Int32Array | Uint16Array | Int8Array | Uint8Array): Uint8Array =>
  new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** Builds a model tensor by tensor, operator by operator. */
export class TflModelBuilder {
  readonly tensors: TensorSpec[] = [];
  readonly ops: OpSpec[] = [];
  inputs: number[] = [];
  outputs: number[] = [];
  description = 'atrous test model';
  /** Extra (empty) subgraphs, to test the single-subgraph check. */
  extraSubgraphs = 0;

  tensor(spec: Omit<TensorSpec, 'name'> & { name?: string }): number {
    this.tensors.push({ name: spec.name ?? `t${this.tensors.length}`, ...spec });
    return this.tensors.length - 1;
  }

  input(shape: number[], name?: string): number {
    const i = this.tensor({ shape, type: TT.FLOAT32, ...(name ? { name } : {}) });
    this.inputs.push(i);
    return i;
  }

  /** A runtime float32 tensor (an op's output). */
  value(shape: number[], name?: string): number {
    return this.tensor({ shape, type: TT.FLOAT32, ...(name ? { name } : {}) });
  }

  f32(shape: number[], values: ArrayLike<number>, name?: string): number {
    return this.tensor({
      shape,
      type: TT.FLOAT32,
      data: bytesOf(Float32Array.from(values)),
      ...(name ? { name } : {}),
    });
  }

  /** An fp16 constant (raw half bits) — feed it through DEQUANTIZE. */
  f16(shape: number[], values: ArrayLike<number>): number {
    const h = Uint16Array.from(Array.from(values, floatToHalf));
    return this.tensor({ shape, type: TT.FLOAT16, data: bytesOf(h) });
  }

  i32(values: number[], shape = [values.length]): number {
    return this.tensor({ shape, type: TT.INT32, data: bytesOf(Int32Array.from(values)) });
  }

  op(builtin: number, inputs: number[], outputs: number[], optionsType?: number, options?: Field[]): this {
    this.ops.push({
      builtin,
      inputs,
      outputs,
      ...(optionsType !== undefined ? { optionsType } : {}),
      ...(options ? { options } : {}),
    });
    return this;
  }

  custom(code: string, inputs: number[], outputs: number[], customOptions?: Uint8Array): this {
    this.ops.push({
      builtin: OP.CUSTOM,
      custom: code,
      inputs,
      outputs,
      ...(customOptions ? { customOptions } : {}),
    });
    return this;
  }

  output(...t: number[]): this {
    this.outputs.push(...t);
    return this;
  }

  build(identifier = 'TFL3'): Uint8Array {
    return writeTflite(this, identifier);
  }
}

function intVector(b: Builder, values: readonly number[]): number {
  b.startVector(4, values.length, 4);
  for (let i = values.length - 1; i >= 0; i--) b.addInt32(values[i] as number);
  return b.endVector();
}

function offsetVector(b: Builder, offsets: readonly number[]): number {
  b.startVector(4, offsets.length, 4);
  for (let i = offsets.length - 1; i >= 0; i--) b.addOffset(offsets[i] as number);
  return b.endVector();
}

function table(b: Builder, fields: Field[]): number {
  const n = fields.reduce((m, f) => Math.max(m, f.id + 1), 0);
  b.startObject(n);
  for (const f of fields) {
    if ('int' in f) b.addFieldInt32(f.id, f.int, null);
    else if ('byte' in f) b.addFieldInt8(f.id, f.byte, null);
    else if ('bool' in f) b.addFieldInt8(f.id, f.bool ? 1 : 0, null);
    else b.addFieldFloat32(f.id, f.float, null);
  }
  return b.endObject();
}

function writeTflite(m: TflModelBuilder, identifier: string): Uint8Array {
  const b = new Builder(1024);
  // Buffers: 0 is the empty sentinel; each constant tensor gets its own.
  const bufferOffsets: number[] = [];
  b.startObject(1);
  bufferOffsets.push(b.endObject());
  const tensorBuffer = m.tensors.map((t) => {
    if (!t.data) return 0;
    const data = b.createByteVector(t.data);
    b.startObject(1);
    b.addFieldOffset(0, data, 0);
    bufferOffsets.push(b.endObject());
    return bufferOffsets.length - 1;
  });
  const tensors = m.tensors.map((t, i) => {
    const shape = intVector(b, t.shape);
    const name = b.createString(t.name);
    const sig = t.signature ? intVector(b, t.signature) : 0;
    let quant = 0;
    if (t.quant) {
      b.startVector(4, t.quant.scale.length, 4);
      for (let k = t.quant.scale.length - 1; k >= 0; k--) b.addFloat32(t.quant.scale[k] as number);
      const scale = b.endVector();
      b.startVector(8, t.quant.zeroPoint.length, 8);
      for (let k = t.quant.zeroPoint.length - 1; k >= 0; k--)
        b.addInt64(BigInt(t.quant.zeroPoint[k] as number));
      const zp = b.endVector();
      b.startObject(7);
      b.addFieldOffset(2, scale, 0);
      b.addFieldOffset(3, zp, 0);
      quant = b.endObject();
    }
    b.startObject(8);
    b.addFieldOffset(0, shape, 0);
    b.addFieldInt8(1, t.type, 0);
    b.addFieldInt32(2, tensorBuffer[i] as number, 0);
    b.addFieldOffset(3, name, 0);
    if (quant) b.addFieldOffset(4, quant, 0);
    if (sig) b.addFieldOffset(7, sig, 0);
    return b.endObject();
  });
  // Operator codes: one per distinct (builtin, custom).
  const codes: { builtin: number; custom: string }[] = [];
  const codeIndex = (op: OpSpec): number => {
    const custom = op.custom ?? '';
    let k = codes.findIndex((c) => c.builtin === op.builtin && c.custom === custom);
    if (k < 0) {
      codes.push({ builtin: op.builtin, custom });
      k = codes.length - 1;
    }
    return k;
  };
  const operators = m.ops.map((op) => {
    const inputs = intVector(b, op.inputs);
    const outputs = intVector(b, op.outputs);
    const options = op.options ? table(b, op.options) : 0;
    const customOptions = op.customOptions ? b.createByteVector(op.customOptions) : 0;
    const index = codeIndex(op);
    b.startObject(7);
    b.addFieldInt32(0, index, 0);
    b.addFieldOffset(1, inputs, 0);
    b.addFieldOffset(2, outputs, 0);
    if (op.optionsType !== undefined) b.addFieldInt8(3, op.optionsType, 0);
    if (options) b.addFieldOffset(4, options, 0);
    if (customOptions) b.addFieldOffset(5, customOptions, 0);
    return b.endObject();
  });
  const subgraph = (main: boolean): number => {
    const tv = offsetVector(b, main ? tensors : []);
    const iv = intVector(b, main ? m.inputs : []);
    const ov = intVector(b, main ? m.outputs : []);
    const opv = offsetVector(b, main ? operators : []);
    const name = b.createString(main ? 'main' : 'extra');
    b.startObject(5);
    b.addFieldOffset(0, tv, 0);
    b.addFieldOffset(1, iv, 0);
    b.addFieldOffset(2, ov, 0);
    b.addFieldOffset(3, opv, 0);
    b.addFieldOffset(4, name, 0);
    return b.endObject();
  };
  const subgraphs = [subgraph(true), ...Array.from({ length: m.extraSubgraphs }, () => subgraph(false))];
  const codeTables = codes.map((c) => {
    const custom = c.custom ? b.createString(c.custom) : 0;
    b.startObject(4);
    b.addFieldInt8(0, Math.min(c.builtin, 127), 0);
    if (custom) b.addFieldOffset(1, custom, 0);
    b.addFieldInt32(2, 1, 1);
    b.addFieldInt32(3, c.builtin, 0);
    return b.endObject();
  });
  const codesVec = offsetVector(b, codeTables);
  const subgraphsVec = offsetVector(b, subgraphs);
  const description = b.createString(m.description);
  const buffersVec = offsetVector(b, bufferOffsets);
  b.startObject(5);
  b.addFieldInt32(0, 3, 0);
  b.addFieldOffset(1, codesVec, 0);
  b.addFieldOffset(2, subgraphsVec, 0);
  b.addFieldOffset(3, description, 0);
  b.addFieldOffset(4, buffersVec, 0);
  b.finish(b.endObject(), identifier);
  return b.asUint8Array().slice();
}
