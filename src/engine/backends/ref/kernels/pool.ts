import { intAttr } from '../../../../graph/attrs.js';
import type { Node } from '../../../../graph/ir.js';
import { checkNoIndices, poolShape } from '../../../ops/pool.js';
import type { RefKernel } from '../../../ops/types.js';
import { Tensor } from '../../../tensor.js';
import { type Axis2d, axes2d } from './conv.js';

type Reduce = 'max' | 'avg-include-pad' | 'avg-exclude-pad';

/** Input positions of one window along an axis: those inside the input, and the count inside input + pads. */
function taps(a: Axis2d, o: number): { inside: number[]; padded: number } {
  const inside: number[] = [];
  let padded = 0;
  for (let k = 0; k < a.k; k++) {
    const i = o * a.stride - a.padBegin + k * a.dilation;
    if (i < a.inSize + a.padEnd) padded++;
    if (i >= 0 && i < a.inSize) inside.push(i);
  }
  return { inside, padded };
}

/**
 * Windowed max/average over the spatial axes of (N, C, [H,] W). Padding never wins a max; for
 * averages count_include_pad counts the pads, but not the overhang ceil_mode adds past them.
 */
function pool(node: Node, x: Tensor, reduce: Reduce): Tensor {
  const { window, ceilMode, out } = poolShape(node, x.dims);
  const [hA, wA] = axes2d(window, x.dims.slice(2), ceilMode);
  const [n, c] = x.dims as [number, number];
  const [H, W] = [hA.inSize, wA.inSize];
  const y = new Tensor(x.dtype, out as number[]);
  const xd = x.data as Float32Array;
  const yd = y.data as Float32Array;
  const rows = Array.from({ length: hA.out }, (_, o) => taps(hA, o));
  const cols = Array.from({ length: wA.out }, (_, o) => taps(wA, o));
  let o = 0;
  for (let plane = 0; plane < n * c; plane++) {
    const base = plane * H * W;
    for (const r of rows) {
      for (const cl of cols) {
        let acc = reduce === 'max' ? Number.NEGATIVE_INFINITY : 0;
        for (const ih of r.inside) {
          for (const iw of cl.inside) {
            const v = xd[base + ih * W + iw] as number;
            acc = reduce === 'max' ? Math.max(acc, v) : acc + v;
          }
        }
        if (reduce === 'avg-include-pad') acc /= r.padded * cl.padded;
        else if (reduce === 'avg-exclude-pad') acc /= r.inside.length * cl.inside.length;
        yd[o++] = acc;
      }
    }
  }
  return y;
}

export const MaxPool: RefKernel = (node, inputs) => {
  checkNoIndices(node);
  return [pool(node, inputs[0] as Tensor, 'max')];
};

export const AveragePool: RefKernel = (node, inputs) => {
  const include = intAttr(node, 'count_include_pad', 0) !== 0;
  return [pool(node, inputs[0] as Tensor, include ? 'avg-include-pad' : 'avg-exclude-pad')];
};

/** Mean over all spatial axes, any rank >= 3. */
export const GlobalAveragePool: RefKernel = (_node, inputs) => {
  const x = inputs[0] as Tensor;
  const [n, c] = x.dims as [number, number];
  const inner = x.dims.slice(2).reduce((a, d) => a * d, 1);
  const y = new Tensor(x.dtype, [n, c, ...x.dims.slice(2).map(() => 1)]);
  const xd = x.data as Float32Array;
  const yd = y.data as Float32Array;
  for (let p = 0; p < n * c; p++) {
    let acc = 0;
    for (let i = 0; i < inner; i++) acc += xd[p * inner + i] as number;
    yd[p] = acc / inner;
  }
  return [y];
};
