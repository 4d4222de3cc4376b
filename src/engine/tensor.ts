import { InputError } from '../errors.js';

/** Element types atrous moves around. Compute is float32; the rest is shape math, labels and masks. */
export type DType = 'float32' | 'float64' | 'int32' | 'int64' | 'uint8' | 'int8' | 'bool';

export interface DTypeArrays {
  float32: Float32Array;
  float64: Float64Array;
  int32: Int32Array;
  int64: BigInt64Array;
  uint8: Uint8Array;
  int8: Int8Array;
  bool: Uint8Array;
}

export type TensorData = DTypeArrays[DType];

export const DTYPES: readonly DType[] = ['float32', 'float64', 'int32', 'int64', 'uint8', 'int8', 'bool'];

export const BYTES_PER_ELEMENT: Record<DType, number> = {
  float32: 4,
  float64: 8,
  int32: 4,
  int64: 8,
  uint8: 1,
  int8: 1,
  bool: 1,
};

export function isFloatDType(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float64';
}

/** Number of elements of a concrete shape (1 for a scalar). */
export function sizeOf(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}

/** Row-major (C order) strides. */
export function stridesOf(dims: readonly number[]): number[] {
  const s = new Array<number>(dims.length);
  let acc = 1;
  for (let i = dims.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= dims[i] as number;
  }
  return s;
}

export function allocate<D extends DType>(dtype: D, size: number): DTypeArrays[D] {
  switch (dtype) {
    case 'float32':
      return new Float32Array(size) as DTypeArrays[D];
    case 'float64':
      return new Float64Array(size) as DTypeArrays[D];
    case 'int32':
      return new Int32Array(size) as DTypeArrays[D];
    case 'int64':
      return new BigInt64Array(size) as DTypeArrays[D];
    case 'uint8':
    case 'bool':
      return new Uint8Array(size) as DTypeArrays[D];
    case 'int8':
      return new Int8Array(size) as DTypeArrays[D];
  }
  throw new InputError(`unknown dtype '${String(dtype)}'`);
}

function dtypeMatchesData(dtype: DType, data: TensorData): boolean {
  switch (dtype) {
    case 'float32':
      return data instanceof Float32Array;
    case 'float64':
      return data instanceof Float64Array;
    case 'int32':
      return data instanceof Int32Array;
    case 'int64':
      return data instanceof BigInt64Array;
    case 'uint8':
    case 'bool':
      return data instanceof Uint8Array;
    case 'int8':
      return data instanceof Int8Array;
  }
}

/**
 * A dense, row-major tensor: dims + a typed array. int64 data lives in a BigInt64Array (as in
 * onnxruntime-web); `get`/`toNumbers` give plain numbers for shape math.
 */
export class Tensor<D extends DType = DType> {
  readonly dtype: D;
  readonly dims: readonly number[];
  readonly data: DTypeArrays[D];

  constructor(dtype: D, dims: readonly number[], data?: DTypeArrays[D]) {
    for (const d of dims) {
      if (!Number.isInteger(d) || d < 0) {
        throw new InputError(`tensor dims must be non-negative integers, got [${dims.join(', ')}]`);
      }
    }
    const size = sizeOf(dims);
    const buffer = data ?? allocate(dtype, size);
    if (!dtypeMatchesData(dtype, buffer)) {
      throw new InputError(`tensor of dtype ${dtype} cannot hold a ${buffer.constructor.name}`);
    }
    if (buffer.length !== size) {
      throw new InputError(
        `tensor dims [${dims.join(', ')}] need ${size} elements, the data has ${buffer.length}`,
      );
    }
    this.dtype = dtype;
    this.dims = Object.freeze([...dims]);
    this.data = buffer;
  }

  get size(): number {
    return this.data.length;
  }

  get rank(): number {
    return this.dims.length;
  }

  /** Element i (flat index) as a number. */
  get(i: number): number {
    return Number(this.data[i]);
  }

  /** All elements as plain numbers (for shape tensors and tests). */
  toNumbers(): number[] {
    return Array.from(this.data as ArrayLike<number | bigint>, Number);
  }

  /** Same data, new dims (no copy). */
  reshape(dims: readonly number[]): Tensor<D> {
    return new Tensor(this.dtype, dims, this.data);
  }

  static fromNumbers<D extends DType>(
    dtype: D,
    dims: readonly number[],
    values: ArrayLike<number>,
  ): Tensor<D> {
    const data = allocate(dtype, values.length);
    if (data instanceof BigInt64Array) {
      for (let i = 0; i < values.length; i++) data[i] = BigInt(Math.trunc(values[i] as number));
    } else {
      (data as Float32Array).set(values);
    }
    return new Tensor(dtype, dims, data);
  }

  static scalar<D extends DType>(dtype: D, value: number): Tensor<D> {
    return Tensor.fromNumbers(dtype, [], [value]);
  }
}

/** Writes a number into element i of any tensor (rounding toward zero for integer types). */
export function setElement(t: Tensor, i: number, value: number): void {
  if (t.data instanceof BigInt64Array) t.data[i] = BigInt(Math.trunc(value));
  else (t.data as Float32Array)[i] = value;
}
