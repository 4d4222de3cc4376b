import { ShapeError } from '../../../../errors.js';
import { floatAttr, stringAttr } from '../../../../graph/attrs.js';
import { padAmounts, padDims, padSource, padWindow } from '../../../ops/pad.js';
import type { RefKernel } from '../../../ops/types.js';
import { setElement, stridesOf, Tensor } from '../../../tensor.js';

/**
 * Pads (and, with negative pads, crops) every axis. Cropping happens first: edge and reflect
 * read from the cropped input, as onnxruntime does.
 */
export const Pad: RefKernel = (node, inputs) => {
  const [x, pads, constant, axes] = inputs as [
    Tensor,
    Tensor | undefined,
    Tensor | undefined,
    Tensor | undefined,
  ];
  const mode = stringAttr(node, 'mode', 'constant');
  const p = padAmounts(node, x.rank, pads, axes);
  if (!p) throw new ShapeError(node.name, node.op, 'pads could not be read');
  const outDims = padDims(node, x.dims, p) as number[];
  const strides = stridesOf(x.dims);
  // Per axis: the input offset (element index * stride) each output position reads, or -1.
  const maps = outDims.map((n, a) => {
    // An empty window under edge/reflect was rejected by shape inference (Pad's inferShape).
    const { start: cropBegin, length: len } = padWindow(x.dims[a] as number, p, a);
    return Int32Array.from({ length: n }, (_, o) => {
      const j = padSource(mode, o - Math.max(0, p.begin[a] as number), len);
      return j < 0 ? -1 : (cropBegin + j) * (strides[a] as number);
    });
  });
  const y = new Tensor(x.dtype, outDims);
  const fill = constant ? constant.get(0) : floatAttr(node, 'value', 0);
  const src = x.data as Float32Array;
  const dst = y.data as Float32Array;
  const idx = new Array<number>(outDims.length).fill(0);
  for (let o = 0; o < y.size; o++) {
    let s = 0;
    for (let a = 0; a < idx.length && s >= 0; a++) {
      const m = (maps[a] as Int32Array)[idx[a] as number] as number;
      s = m < 0 ? -1 : s + m;
    }
    if (s >= 0) dst[o] = src[s] as number;
    else if (fill !== 0) setElement(y, o, fill);
    // Odometer step over the output index.
    for (let a = idx.length - 1; a >= 0; a--) {
      idx[a] = (idx[a] as number) + 1;
      if ((idx[a] as number) < (outDims[a] as number)) break;
      idx[a] = 0;
    }
  }
  return [y];
};
