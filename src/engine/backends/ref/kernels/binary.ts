import { ShapeError } from '../../../../errors.js';
import type { Node } from '../../../../graph/ir.js';
import { broadcastDims, broadcastIndex } from '../../../ops/broadcast.js';
import type { RefKernel } from '../../../ops/types.js';
import { Tensor } from '../../../tensor.js';

type NumFn = (a: number, b: number) => number;
type BigFn = (a: bigint, b: bigint) => bigint;

function divByZero(node: Node): never {
  throw new ShapeError(node.name, node.op, 'integer division by zero');
}

/**
 * Elementwise binary op with numpy broadcasting. Floats compute in doubles and round once on store;
 * int64 computes in BigInt (wrapping like C); int32 multiplies with Math.imul so it wraps too;
 * integer Div truncates toward zero.
 */
function binary(num: NumFn, big: BigFn, int32: NumFn = num): RefKernel {
  return (node, inputs) => {
    const a = inputs[0] as Tensor;
    const b = inputs[1] as Tensor;
    const dims = broadcastDims(node, a.dims, b.dims);
    const ia = broadcastIndex(a.dims, dims);
    const ib = broadcastIndex(b.dims, dims);
    const out = new Tensor(a.dtype, dims);
    if (out.data instanceof BigInt64Array) {
      const x = a.data as BigInt64Array;
      const y = b.data as BigInt64Array;
      for (let i = 0; i < out.size; i++)
        out.data[i] = big(x[ia[i] as number] as bigint, y[ib[i] as number] as bigint);
      return [out];
    }
    const isFloat = a.dtype === 'float32' || a.dtype === 'float64';
    const f = a.dtype === 'int32' ? int32 : num;
    const x = a.data as Float32Array;
    const y = b.data as Float32Array;
    const o = out.data as Float32Array;
    for (let i = 0; i < o.length; i++) {
      const r = f(x[ia[i] as number] as number, y[ib[i] as number] as number);
      if (!isFloat && !Number.isFinite(r)) divByZero(node);
      o[i] = isFloat ? r : Math.trunc(r);
    }
    return [out];
  };
}

export const Add = binary(
  (a, b) => a + b,
  (a, b) => a + b,
);
export const Sub = binary(
  (a, b) => a - b,
  (a, b) => a - b,
);
export const Mul = binary(
  (a, b) => a * b,
  (a, b) => a * b,
  Math.imul,
);

const divKernel = (node: Node, inputs: (Tensor | undefined)[]): Tensor[] => {
  const big: BigFn = (a, b) => (b === 0n ? divByZero(node) : a / b);
  return binary((a, b) => a / b, big)(node, inputs);
};
export const Div: RefKernel = divKernel;
