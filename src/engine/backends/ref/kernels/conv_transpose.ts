import type { Node } from '../../../../graph/ir.js';
import { convTransposeShape, transposeAxis } from '../../../ops/conv_transpose.js';
import { fusedActivation } from '../../../ops/fused.js';
import type { RefKernel } from '../../../ops/types.js';
import { Tensor } from '../../../tensor.js';

interface Axis {
  inSize: number;
  out: number;
  k: number;
  stride: number;
  dilation: number;
  padBegin: number;
}

/**
 * Transposed convolution the scatter way: every input pixel x[n,c,ih,iw] adds x * w[c,j,kh,kw] to
 * y[n, g*Mg+j, ih*s - pad + kh*d, ...]; then bias and the fused activation.
 */
export const ConvTranspose: RefKernel = (node: Node, inputs) => {
  const [x, w, b] = inputs as [Tensor, Tensor, Tensor | undefined];
  const t = convTransposeShape(node, x.dims, w.dims, b?.dims);
  const spatialIn = x.dims.slice(2);
  const axes = spatialIn.map((inSize, i): Axis => {
    const g = transposeAxis(t, i, inSize);
    return {
      inSize,
      out: g.out,
      k: t.window.kernel[i] as number,
      stride: t.window.strides[i] as number,
      dilation: t.window.dilations[i] as number,
      padBegin: g.padBegin,
    };
  });
  const unit: Axis = { inSize: 1, out: 1, k: 1, stride: 1, dilation: 1, padBegin: 0 };
  const [hA, wA] = axes.length === 1 ? [unit, axes[0] as Axis] : (axes as [Axis, Axis]);
  const [n, c] = x.dims as [number, number];
  const mg = w.dims[1] as number;
  const m = mg * t.group;
  const cg = c / t.group;
  const [H, W, OH, OW, KH, KW] = [hA.inSize, wA.inSize, hA.out, wA.out, hA.k, wA.k];
  const xd = x.data as Float32Array;
  const wd = w.data as Float32Array;
  const y = new Tensor(x.dtype, [n, m, ...axes.map((a) => a.out)]);
  const yd = y.data as Float32Array;
  // Accumulate in doubles, store float32 once.
  const acc = new Float64Array(yd.length);
  for (let in_ = 0; in_ < n; in_++) {
    for (let ic = 0; ic < c; ic++) {
      const g = Math.floor(ic / cg);
      for (let ih = 0; ih < H; ih++) {
        for (let iw = 0; iw < W; iw++) {
          const xv = xd[((in_ * c + ic) * H + ih) * W + iw] as number;
          for (let j = 0; j < mg; j++) {
            const yBase = (in_ * m + g * mg + j) * OH;
            const wBase = (ic * mg + j) * KH;
            for (let kh = 0; kh < KH; kh++) {
              const oh = ih * hA.stride - hA.padBegin + kh * hA.dilation;
              if (oh < 0 || oh >= OH) continue;
              for (let kw = 0; kw < KW; kw++) {
                const ow = iw * wA.stride - wA.padBegin + kw * wA.dilation;
                if (ow < 0 || ow >= OW) continue;
                acc[(yBase + oh) * OW + ow] += xv * (wd[(wBase + kh) * KW + kw] as number);
              }
            }
          }
        }
      }
    }
  }
  const bd = b?.data as Float32Array | undefined;
  const act = fusedActivation(node);
  const plane = OH * OW;
  for (let i = 0; i < yd.length; i++) {
    const v = (acc[i] as number) + (bd ? (bd[Math.floor(i / plane) % m] as number) : 0);
    yd[i] = act ? act(v) : v;
  }
  return [y];
};
