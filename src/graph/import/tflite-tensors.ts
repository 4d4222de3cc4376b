import { Tensor } from '../../engine/tensor.js';
import { ModelFormatError, UnsupportedAttributeError } from '../../errors.js';
import { decodeHalf } from '../serialize/float16.js';
import { TensorType, tensorTypeName } from './tflite-enums.js';
import type { TflTensor } from './tflite-schema.js';

const ELEMENT_BYTES: Record<number, number> = {
  [TensorType.FLOAT32]: 4,
  [TensorType.FLOAT16]: 2,
  [TensorType.INT32]: 4,
  [TensorType.INT64]: 8,
};

function sizeOfShape(shape: readonly number[]): number {
  return shape.reduce((a, d) => a * d, 1);
}

/**
 * The constant value of a tensor backed by a buffer (TFLite's NHWC element order), or undefined for
 * a runtime tensor. FLOAT16 constants become float32 (what DEQUANTIZE would produce), so fp16
 * weights fold into fp32 initializers at import.
 */
export function readConstant(t: TflTensor, data: Uint8Array | undefined): Tensor | undefined {
  if (!data || data.length === 0) return undefined;
  const elem = ELEMENT_BYTES[t.type];
  if (elem === undefined) {
    throw new UnsupportedAttributeError(
      t.name,
      'tensor',
      'type',
      `is ${tensorTypeName(t.type)}: constant tensors of this type are not supported (FLOAT32, FLOAT16, INT32, INT64 are)`,
    );
  }
  const n = sizeOfShape(t.shape);
  if (data.length !== n * elem) {
    throw new ModelFormatError(
      `TFLite tensor '${t.name}' has shape [${t.shape.join(', ')}] (${n} x ${tensorTypeName(t.type)} = ${n * elem} bytes) but its buffer holds ${data.length} bytes`,
    );
  }
  // Copy into an aligned view: buffer data inside a FlatBuffer need not be 4-aligned.
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  switch (t.type) {
    case TensorType.FLOAT32: {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getFloat32(4 * i, true);
      return new Tensor('float32', t.shape, out);
    }
    case TensorType.FLOAT16: {
      return new Tensor('float32', t.shape, decodeHalf(data.subarray(0, 2 * n)));
    }
    case TensorType.INT32: {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getInt32(4 * i, true);
      return new Tensor('int32', t.shape, out);
    }
    default: {
      const out = new BigInt64Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getBigInt64(8 * i, true);
      return new Tensor('int64', t.shape, out);
    }
  }
}

/**
 * Rejects what atrous cannot represent: quantized tensors (scale/zero-point: int8/uint8 models),
 * sparse tensors, unknown dimensions. A -1 only in the batch entry of shape_signature is accepted
 * (the converter's usual "any batch"): the file's static shape (batch 1) is used.
 */
export function checkTensor(t: TflTensor, opName: string, opLabel: string): void {
  const q = t.quantization;
  if (q && (q.scale.length > 0 || q.hasDetails)) {
    throw new UnsupportedAttributeError(
      opLabel,
      opName,
      'quantization',
      `tensor '${t.name}' (${tensorTypeName(t.type)}) is quantized (scale [${q.scale.slice(0, 4).join(', ')}${q.scale.length > 4 ? ', ...' : ''}]); quantized TFLite models are not supported, use a float32/float16 model`,
    );
  }
  if (t.sparse) {
    throw new UnsupportedAttributeError(
      opLabel,
      opName,
      'sparsity',
      `tensor '${t.name}' is sparse; not supported`,
    );
  }
  const dynamic = t.shape.some((d) => d < 0) || t.signature.some((d, i) => d < 0 && i > 0);
  if (dynamic) {
    const sig = t.signature.length > 0 ? t.signature : t.shape;
    throw new UnsupportedAttributeError(
      opLabel,
      opName,
      'shape',
      `tensor '${t.name}' has a dynamic shape [${sig.join(', ')}]; atrous needs static shapes`,
    );
  }
}
