import type { Node } from '../../../../graph/ir.js';
import { convShape } from '../../../ops/conv.js';
import { fusedActivation } from '../../../ops/fused.js';
import type { RefKernel } from '../../../ops/types.js';
import { type Window, windowAxis } from '../../../ops/window.js';
import { Tensor } from '../../../tensor.js';

/** One spatial axis of a 2-D view (1-D ops get a dummy H axis of size 1). */
export interface Axis2d {
  inSize: number;
  out: number;
  k: number;
  stride: number;
  dilation: number;
  padBegin: number;
  padEnd: number;
}

const UNIT_AXIS: Axis2d = { inSize: 1, out: 1, k: 1, stride: 1, dilation: 1, padBegin: 0, padEnd: 0 };

/** The (H, W) axes of a Conv/pool over `spatialIn` (length 1 or 2). */
export function axes2d(w: Window, spatialIn: readonly number[], ceilMode = false): [Axis2d, Axis2d] {
  const axes = spatialIn.map((inSize, i): Axis2d => {
    const g = windowAxis(w, i, inSize, ceilMode);
    return {
      inSize,
      out: g.out,
      k: w.kernel[i] as number,
      stride: w.strides[i] as number,
      dilation: w.dilations[i] as number,
      padBegin: g.padBegin,
      padEnd: g.padEnd,
    };
  });
  return axes.length === 1 ? [UNIT_AXIS, axes[0] as Axis2d] : (axes as [Axis2d, Axis2d]);
}

/** Direct convolution: y[n,m,oh,ow] = act(b[m] + sum_{c,kh,kw} x[n,g*Cg+c,ih,iw] * w[m,c,kh,kw]). */
export const Conv: RefKernel = (node: Node, inputs) => {
  const [x, w, b] = inputs as [Tensor, Tensor, Tensor | undefined];
  const { window, group, out } = convShape(node, x.dims, w.dims, b?.dims);
  const [hAx, wAx] = axes2d(window, x.dims.slice(2));
  const [n, c] = x.dims as [number, number];
  const m = w.dims[0] as number;
  const cg = c / group;
  const mg = m / group;
  const [H, W, OH, OW, KH, KW] = [hAx.inSize, wAx.inSize, hAx.out, wAx.out, hAx.k, wAx.k];
  const xd = x.data as Float32Array;
  const wd = w.data as Float32Array;
  const bd = b?.data as Float32Array | undefined;
  const y = new Tensor(x.dtype, out as number[]);
  const yd = y.data as Float32Array;
  const act = fusedActivation(node);
  let o = 0;
  for (let in_ = 0; in_ < n; in_++) {
    for (let om = 0; om < m; om++) {
      const g = Math.floor(om / mg);
      for (let oh = 0; oh < OH; oh++) {
        for (let ow = 0; ow < OW; ow++) {
          let acc = bd ? (bd[om] as number) : 0;
          for (let ic = 0; ic < cg; ic++) {
            const xBase = (in_ * c + g * cg + ic) * H;
            const wBase = (om * cg + ic) * KH;
            for (let kh = 0; kh < KH; kh++) {
              const ih = oh * hAx.stride - hAx.padBegin + kh * hAx.dilation;
              if (ih < 0 || ih >= H) continue;
              for (let kw = 0; kw < KW; kw++) {
                const iw = ow * wAx.stride - wAx.padBegin + kw * wAx.dilation;
                if (iw < 0 || iw >= W) continue;
                acc += (xd[(xBase + ih) * W + iw] as number) * (wd[(wBase + kh) * KW + kw] as number);
              }
            }
          }
          yd[o++] = act ? act(acc) : acc;
        }
      }
    }
  }
  return [y];
};
