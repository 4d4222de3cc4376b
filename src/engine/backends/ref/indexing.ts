import type { Node } from '../../../graph/ir.js';
import type { OpDef, ValueInfo } from '../../ops/types.js';
import { Tensor, type TensorData } from '../../tensor.js';

/** Element storage of any dtype, for moving elements without looking at them. */
type Elements = { [i: number]: number | bigint; length: number };

/** A new tensor of x's dtype whose element i is x's element `source(i)` (any dtype, no conversion). */
export function gatherElements(x: Tensor, dims: readonly number[], source: ArrayLike<number>): Tensor {
  const out = new Tensor(x.dtype, dims);
  const src = x.data as Elements;
  const dst = out.data as Elements;
  for (let i = 0; i < dst.length; i++) dst[i] = src[source[i] as number] as number | bigint;
  return out;
}

/** Copies `count` elements from src[from..] to dst[to..] (same dtype). */
export function copyRange(src: TensorData, from: number, dst: TensorData, to: number, count: number): void {
  const s = src as Elements;
  const d = dst as Elements;
  for (let i = 0; i < count; i++) d[to + i] = s[from + i] as number | bigint;
}

/** A copy of x with new dims (the ref backend never shares buffers between values). */
export function copyAs(x: Tensor, dims: readonly number[]): Tensor {
  return new Tensor(x.dtype, dims, x.data.slice() as typeof x.data);
}

/** Concrete tensors as shape-inference inputs (every value known). */
export function asInfos(inputs: readonly (Tensor | undefined)[]): (ValueInfo | undefined)[] {
  return inputs.map((t) => (t ? { dtype: t.dtype, shape: [...t.dims], value: t } : undefined));
}

/**
 * Output dims for concrete inputs, by the op's own shape inference (inputs passed as known values),
 * so kernels validate run-time shapes exactly like inference does and never disagree with it.
 */
export function concreteShapes(def: OpDef, node: Node, inputs: readonly (Tensor | undefined)[]): number[][] {
  return def.inferShape(node, asInfos(inputs)).map((o) => o.shape as number[]);
}

/** dims viewed as [outer, n, inner] around axes [from, to): the layout of softmax/argmax/concat. */
export function around(
  dims: readonly number[],
  from: number,
  to = from + 1,
): { outer: number; n: number; inner: number } {
  const prod = (a: readonly number[]) => a.reduce((x, d) => x * d, 1);
  return { outer: prod(dims.slice(0, from)), n: prod(dims.slice(from, to)), inner: prod(dims.slice(to)) };
}
