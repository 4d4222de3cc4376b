import { floatsAttr, stringAttr } from '../../../../graph/attrs.js';
import type { Node } from '../../../../graph/ir.js';
import { ACTIVATION_KINDS, type ActivationKind } from '../../../ops/activation.js';
import type { Tensor } from '../../../tensor.js';
import { type LowerContext, WebGpuUnsupportedError } from '../types.js';

/** Activation codes shared by activation.wgsl, conv_gemm*.wgsl, depthwise.wgsl and gemm.wgsl (0 = none). */
export function actCode(kind: ActivationKind | ''): number {
  return kind === '' ? 0 : ACTIVATION_KINDS.indexOf(kind) + 1;
}

/** Default params of each activation as the WGSL kernels read them (a0, a1). */
export function actParams(kind: ActivationKind | '', params: readonly number[]): [number, number] {
  switch (kind) {
    case 'Clip':
      return [params[0] ?? Number.NEGATIVE_INFINITY, params[1] ?? Number.POSITIVE_INFINITY];
    case 'HardSigmoid':
      return [params[0] ?? 0.2, params[1] ?? 0.5];
    case 'LeakyRelu':
      return [params[0] ?? 0.01, 0];
    default:
      return [0, 0];
  }
}

/** The fused activation written by the fusion pass on Conv/ConvTranspose/Gemm. */
export function fusedAct(node: Node): { code: number; a0: number; a1: number } {
  const kind = stringAttr(node, 'activation', '') as ActivationKind | '';
  const [a0, a1] = actParams(kind, floatsAttr(node, 'activation_params', []));
  return { code: actCode(kind), a0, a1 };
}

/** Checks that every named value is float32 (the dtype the WGSL kernels compute in). */
export function requireFloat32(node: Node, ctx: LowerContext, names: readonly string[]): void {
  for (const name of names) {
    if (name && ctx.dtype(name) !== 'float32') {
      throw new WebGpuUnsupportedError(
        node,
        `value '${name}' is ${ctx.dtype(name)}; WGSL kernels here take float32`,
      );
    }
  }
}

/** A constant input the kernel needs on the host (weights to pack, Clip bounds, scales). */
export function requireConstant(node: Node, ctx: LowerContext, name: string, what: string): Tensor {
  const t = ctx.constant(name);
  if (!t) throw new WebGpuUnsupportedError(node, `${what} '${name}' must be a constant (initializer)`);
  return t;
}

/** Row-major strides of dims. */
export function strides(dims: readonly number[]): number[] {
  const s = new Array<number>(dims.length).fill(1);
  for (let i = dims.length - 2; i >= 0; i--) s[i] = (s[i + 1] as number) * (dims[i + 1] as number);
  return s;
}

/** Strides of `inDims` read as `outDims` under numpy broadcasting (0 on broadcast axes). */
export function broadcastStrides(inDims: readonly number[], outDims: readonly number[]): number[] {
  const lead = outDims.length - inDims.length;
  const own = strides(inDims);
  return outDims.map((d, i) => {
    const j = i - lead;
    if (j < 0) return 0;
    return (inDims[j] as number) === 1 && d !== 1 ? 0 : (own[j] as number);
  });
}

/**
 * The fewest axes that index the same elements: size-1 axes dropped, and neighbours merged where
 * every operand walks them as one (each stride of the outer axis is the inner one's times its size,
 * which includes both broadcast). A squeeze-excite scale [1, 672, 8, 10] × [1, 672, 1, 1] becomes
 * [672, 80] with strides [80, 1] and [1, 0]: the kernel's per-element index loop (a division, a
 * remainder and a run-time-indexed uniform read per axis, all slow on software adapters) runs 2
 * trips instead of 4. Always at least two axes (size-1 axes of stride 0 in front).
 */
export function collapseAxes(
  dims: readonly number[],
  operandStrides: readonly (readonly number[])[],
): { dims: number[]; strides: number[][] } {
  const out: number[] = [];
  const st: number[][] = operandStrides.map(() => []);
  dims.forEach((d, i) => {
    if (d === 1) return;
    const last = out.length - 1;
    const inner = operandStrides.map((s) => s[i] as number);
    if (last >= 0 && st.every((s, k) => s[last] === (inner[k] as number) * d)) {
      out[last] = (out[last] as number) * d;
      for (const [k, s] of st.entries()) s[last] = inner[k] as number;
      return;
    }
    out.push(d);
    for (const [k, s] of st.entries()) s.push(inner[k] as number);
  });
  // At least two axes: a leading size-1 axis (stride 0) keeps binary.wgsl on its two-axis path.
  while (out.length < 2) {
    out.unshift(1);
    for (const s of st) s.unshift(0);
  }
  return { dims: out, strides: st };
}

/** A rank check for the rank <= 8 kernels. */
export function requireRank(node: Node, dims: readonly number[], max = 8): void {
  if (dims.length > max) throw new WebGpuUnsupportedError(node, `rank ${dims.length} > ${max}`);
}
