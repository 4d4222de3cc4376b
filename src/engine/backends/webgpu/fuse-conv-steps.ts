import { intAttr, intsAttr } from '../../../graph/attrs.js';
import type { Node } from '../../../graph/ir.js';
import type { Tensor } from '../../tensor.js';
import { fusedAct, requireFloat32, strides } from './kernels/common.js';
import { convGemmArgs } from './kernels/conv.js';
import {
  type ConvKernelChoice,
  type GemmConv,
  type GemmRate,
  gemmConvStep,
  MAX_RATES,
} from './kernels/conv_gemm.js';
import { convTransposeSteps } from './kernels/conv_transpose.js';
import { stridedCopy } from './kernels/layout.js';
import type { Lowering, Step } from './types.js';

/**
 * The steps of the nodes fuse-conv.ts makes: Concat with its convs, stacks, sums of convs, all on
 * conv_gemm's rate axis; and the switches and counters of those fusions.
 */

export type ConstantOf = (name: string) => Tensor | undefined;
export type ConvFusionKind = 'sum' | 'residual' | 'concat' | 'rates' | 'stack';

/** Fusions the backend must not do (tests and benches A/B them); empty by default. */
export const disabledConvFusions = new Set<ConvFusionKind>();

/** What the fusions did in this process (tests read it to see a fusion fired). */
export const convFusionStats = {
  residual: 0,
  residualAct: 0,
  concat: 0,
  intoConcat: 0,
  rateGroups: 0,
  stacks: 0,
  sums: 0,
};

/**
 * Convs with the same key can share a dispatch as rates: same x (and slice of it), group, strides,
 * output grid and channel tiling; kernel, dilation, pads, weights, bias and activation may differ.
 */
export function rateKey(node: Node, out: readonly number[], constantOf: ConstantOf): string {
  const w = constantOf(node.inputs[1] ?? '') as Tensor;
  const group = intAttr(node, 'group', 1);
  return JSON.stringify([
    node.inputs[0],
    node.attrs.webgpu_cx0 ?? null,
    group,
    w.dims.slice(0, 2),
    intsAttr(node, 'strides', []).filter((s) => s !== 1).length === 0 ? 1 : intsAttr(node, 'strides'),
    out,
  ]);
}

/** The rate of a multi-rate dispatch that runs conv `a` with these weights, bias, epilogue, y channel. */
function rateOf(
  a: GemmConv,
  weights: Float32Array,
  bias: Float32Array,
  act: GemmRate['act'],
  c0: number,
): GemmRate {
  return {
    kh: a.kh,
    kw: a.kw,
    weights,
    k: a.packed.k,
    dh: a.dh,
    dw: a.dw,
    pt: a.pt,
    pl: a.pl,
    bias,
    act,
    c0,
  };
}

/** One multi-rate step per MAX_RATES of `convs` (GemmConvs with equal rateKey), writing their y. */
function rateSteps(convs: readonly { args: GemmConv; weight: string }[], choice: ConvKernelChoice): Step[] {
  const steps: Step[] = [];
  // The packed weights of each initializer once: rates that share it share the copy.
  const packed = new Map<string, Float32Array>();
  for (let i = 0; i < convs.length; i += MAX_RATES) {
    const chunk = convs.slice(i, i + MAX_RATES);
    const first = (chunk[0] as { args: GemmConv }).args;
    if (chunk.length === 1) {
      steps.push(gemmConvStep(first, choice));
      continue;
    }
    convFusionStats.rateGroups++;
    const rates = chunk.map(({ args: a, weight }) => {
      if (!packed.has(weight)) packed.set(weight, a.packed.weights);
      return rateOf(a, packed.get(weight) as Float32Array, a.packed.bias, fusedAct(a.node), a.c0 ?? 0);
    });
    steps.push(gemmConvStep({ ...first, rates }, choice));
  }
  return steps;
}

/** A sum node's lowering: its convs as rates summed by one dispatch, plus the residual, then the act. */
export function sumLowering(members: readonly Node[], residual: string | undefined): Lowering {
  return (node, ctx) => {
    const y = node.outputs[0] as string;
    const convs = members.map((m) => convGemmArgs(m, ctx, y) as GemmConv);
    const first = convs[0] as GemmConv;
    const bias = new Float32Array(first.packed.bias.length);
    for (const a of convs) for (let i = 0; i < bias.length; i++) bias[i] += a.packed.bias[i] as number;
    const packed = new Map<string, Float32Array>();
    const rates = convs.map((a, i) => {
      const weight = members[i]?.inputs[1] as string;
      if (!packed.has(weight)) packed.set(weight, a.packed.weights);
      return rateOf(a, packed.get(weight) as Float32Array, bias, fusedAct(node), 0);
    });
    if (residual) requireFloat32(node, ctx, [residual]);
    const res = residual ? { name: residual, order: 'before-act' as const } : undefined;
    return [gemmConvStep({ ...first, rates, sum: true, residual: res }, ctx)];
  };
}

/** The stack node's lowering: its convs as rates of one dispatch, each into its channels of the stack. */
export function stackLowering(members: readonly Node[]): Lowering {
  return (node, ctx) => {
    const y = node.outputs[0] as string;
    const yc = ctx.dims(y)[1] as number;
    let c0 = 0;
    const convs = members.map((m) => {
      const args = convGemmArgs(m, ctx, y) as GemmConv;
      const a = { args: { ...args, yc, c0 }, weight: m.inputs[1] as string };
      c0 += args.packed.mg * args.group;
      return a;
    });
    return rateSteps(convs, ctx);
  };
}

/**
 * A Concat over channels that runs its absorbed convs (convs[i] produced input i) into its slices,
 * convs sharing x and weights in one multi-rate dispatch, and copies its other inputs.
 */
export function concatLowering(parts: readonly string[], convs: readonly (Node | undefined)[]): Lowering {
  return (node, ctx) => {
    const y = node.outputs[0] as string;
    const yd = ctx.dims(y);
    const ys = strides(yd);
    const steps: Step[] = [];
    const groups = new Map<string, { args: GemmConv; weight: string }[]>();
    let offset = 0;
    parts.forEach((v, i) => {
      const vd = ctx.dims(v);
      const conv = convs[i];
      if (conv?.op === 'ConvTranspose') {
        steps.push(...convTransposeSteps(conv, ctx, y, yd[1] as number, offset));
      } else if (conv) {
        const args = convGemmArgs(conv, ctx, y) as GemmConv;
        const a = { args: { ...args, yc: yd[1] as number, c0: offset }, weight: conv.inputs[1] as string };
        const k = disabledConvFusions.has('rates') ? `${i}` : rateKey(conv, vd, ctx.constant);
        groups.set(k, [...(groups.get(k) ?? []), a]);
      } else if (vd.every((d) => d > 0)) {
        steps.push(
          stridedCopy(node, ctx, v, y, {
            dims: vd,
            srcBase: 0,
            srcStrides: strides(vd),
            dstBase: offset * (ys[1] as number),
            dstStrides: ys,
          }),
        );
      }
      offset += vd[1] as number;
    });
    for (const members of groups.values()) steps.push(...rateSteps(members, ctx));
    return steps;
  };
}
