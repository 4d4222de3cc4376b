import { stridedIndex } from '../../../ops/broadcast.js';
import { ReduceMax as ReduceMaxDef, ReduceMean as ReduceMeanDef, reducedAxes } from '../../../ops/reduce.js';
import type { OpDef, RefKernel } from '../../../ops/types.js';
import { setElement, stridesOf, Tensor } from '../../../tensor.js';
import { asInfos, concreteShapes } from '../indexing.js';

/** Folds every input element into its output slot (reduced axes have stride 0), in doubles. */
function reduce(
  def: OpDef,
  init: number,
  fold: (acc: number, v: number) => number,
  mean: boolean,
): RefKernel {
  return (node, inputs) => {
    const x = inputs[0] as Tensor;
    const dims = concreteShapes(def, node, inputs)[0] as number[];
    const axes = reducedAxes(node, asInfos(inputs), x.rank) ?? [];
    const keptDims = x.dims.map((d, i) => (axes.includes(i) ? 1 : d));
    const outStrides = stridesOf(keptDims);
    const target = stridedIndex(
      x.dims,
      0,
      outStrides.map((s, i) => (axes.includes(i) ? 0 : s)),
    );
    const acc = new Float64Array(keptDims.reduce((a, d) => a * d, 1)).fill(init);
    for (let i = 0; i < x.size; i++) {
      const o = target[i] as number;
      acc[o] = fold(acc[o] as number, x.get(i));
    }
    const count = axes.reduce((a, ax) => a * (x.dims[ax] as number), 1);
    const out = new Tensor(x.dtype, dims);
    for (let o = 0; o < acc.length; o++)
      setElement(out, o, mean ? (acc[o] as number) / count : (acc[o] as number));
    return [out];
  };
}

export const ReduceMean = reduce(ReduceMeanDef, 0, (a, v) => a + v, true);
export const ReduceMax = reduce(
  ReduceMaxDef,
  Number.NEGATIVE_INFINITY,
  (a, v) => (v > a || Number.isNaN(v) ? v : a),
  false,
);
