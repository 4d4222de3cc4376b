import { convTransposeShape, transposeAxis } from '../../../ops/conv_transpose.js';
import type { Tensor } from '../../../tensor.js';
import { count, type Lowering, WebGpuUnsupportedError } from '../types.js';
import { Uniforms } from '../uniforms.js';
import { fusedAct, requireConstant, requireFloat32 } from './common.js';

/** Weights (C, M/g, kh, kw) → [group][block of 4 output channels][C/g][kh][kw] x vec4; bias per block. */
function packTransposed(w: Tensor, b: Tensor | undefined, group: number) {
  const [c, mg] = w.dims as [number, number];
  const k = count(w.dims.slice(2));
  const cg = c / group;
  const nb = Math.ceil(mg / 4);
  const weights = new Float32Array(group * nb * cg * k * 4);
  const bias = new Float32Array(group * nb * 4);
  const wd = w.data as Float32Array;
  for (let g = 0; g < group; g++) {
    for (let j = 0; j < mg; j++) {
      const blk = g * nb + Math.floor(j / 4);
      bias[blk * 4 + (j % 4)] = b ? b.get(g * mg + j) : 0;
      for (let ic = 0; ic < cg; ic++) {
        for (let t = 0; t < k; t++) {
          weights[((blk * cg + ic) * k + t) * 4 + (j % 4)] = wd[((g * cg + ic) * mg + j) * k + t] as number;
        }
      }
    }
  }
  return { weights, bias, nb, mg, cg };
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** ConvTranspose (1-D or 2-D) on conv_transpose.wgsl: a gather over each output's stride phase. */
export const ConvTranspose: Lowering = (node, ctx) => {
  const [x = '', wName = '', bName = ''] = node.inputs;
  const y = node.outputs[0] as string;
  requireFloat32(node, ctx, [x]);
  const xd = ctx.dims(x);
  if (xd.length !== 3 && xd.length !== 4) {
    throw new WebGpuUnsupportedError(node, `${xd.length - 2}-D ConvTranspose (the kernel does 1-D and 2-D)`);
  }
  const w = requireConstant(node, ctx, wName, 'ConvTranspose weight');
  const b = bName ? requireConstant(node, ctx, bName, 'ConvTranspose bias') : undefined;
  const t = convTransposeShape(node, xd, w.dims, b?.dims);
  const spatial = xd.slice(2);
  const axes = spatial.map((inSize, i) => ({
    inSize,
    out: transposeAxis(t, i, inSize).out,
    pad: transposeAxis(t, i, inSize).padBegin,
    k: t.window.kernel[i] as number,
    s: t.window.strides[i] as number,
    d: t.window.dilations[i] as number,
  }));
  const unit = { inSize: 1, out: 1, pad: 0, k: 1, s: 1, d: 1 };
  const [hA, wA] = axes.length === 1 ? [unit, axes[0] as typeof unit] : (axes as [typeof unit, typeof unit]);
  const out = ctx.dims(y);
  const [OH, OW] = out.length === 3 ? [1, out[2] as number] : [out[2] as number, out[3] as number];
  const [n, c] = xd as [number, number];
  const packed = packTransposed(w, b, t.group);
  const m = packed.mg * t.group;
  const invocations = n * t.group * packed.nb * OH * OW;
  const act = fusedAct(node);
  return [
    {
      kind: 'dispatch',
      stem: 'conv_transpose',
      overrides: { ACT: act.code },
      uniforms: new Uniforms()
        .u(invocations, n, c, hA.inSize, wA.inSize, m, OH, OW)
        .u(hA.k, wA.k, hA.s, wA.s, hA.d, wA.d)
        .i(hA.pad, wA.pad)
        .u(t.group, packed.cg, packed.mg, packed.nb, hA.s / gcd(hA.s, hA.d), wA.s / gcd(wA.s, wA.d))
        .f(act.a0, act.a1)
        .bytes(),
      bindings: [
        { kind: 'value', name: x },
        { kind: 'data', data: packed.weights, label: 'packed weights' },
        { kind: 'data', data: packed.bias, label: 'packed bias' },
        { kind: 'value', name: y },
      ],
      invocations,
    },
  ];
};
