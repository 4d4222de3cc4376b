import { castTarget } from '../../../ops/cast.js';
import type { RefKernel } from '../../../ops/types.js';
import { isFloatDType, Tensor } from '../../../tensor.js';

const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

/** float → int64 truncates and saturates (NaN → 0), like wasm's trunc_sat that onnxruntime-web uses. */
function toInt64(v: number): bigint {
  if (Number.isNaN(v)) return 0n;
  if (v >= 2 ** 63) return INT64_MAX;
  if (v < -(2 ** 63)) return INT64_MIN;
  return BigInt(Math.trunc(v));
}

export const Cast: RefKernel = (node, inputs) => {
  const x = inputs[0] as Tensor;
  const dtype = castTarget(node);
  const out = new Tensor(dtype, x.dims);
  const src = x.data;
  if (out.data instanceof BigInt64Array) {
    for (let i = 0; i < x.size; i++) {
      const v = src[i] as number | bigint;
      out.data[i] = typeof v === 'bigint' ? v : toInt64(v);
    }
  } else if (dtype === 'bool') {
    const dst = out.data as Uint8Array;
    for (let i = 0; i < x.size; i++) {
      const v = src[i] as number | bigint;
      dst[i] = v === 0 || v === 0n ? 0 : 1; // NaN is nonzero: true, as in C
    }
  } else {
    // Typed-array stores round to float32 and wrap integers; truncate first so floats go toward zero.
    const truncate = !isFloatDType(dtype);
    const dst = out.data as Float32Array;
    for (let i = 0; i < x.size; i++) {
      const v = Number(src[i] as number | bigint);
      dst[i] = truncate ? Math.trunc(v) : v;
    }
  }
  return [out];
};
