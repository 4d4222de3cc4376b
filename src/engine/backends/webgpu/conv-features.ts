import { intAttr, intsAttr } from '../../../graph/attrs.js';
import type { Graph, Node } from '../../../graph/ir.js';
import { producers } from '../../../graph/passes/util.js';
import { ACTIVATION_KINDS, type ActivationKind } from '../../ops/activation.js';
import { actCode, fusedAct } from './kernels/common.js';

/**
 * The FEAT override of the conv kernels: conv_gemm.wgsl and conv_pixel.wgsl (the kernels of a
 * GemmConv dispatch) and depthwise.wgsl (its activation bits). The features their pipelines compile
 * in: a conv pipeline is the slowest compile of a cold start (conv_gemm on a software adapter,
 * conv_pixel on a GPU), and what a model's convs never use need not be in it (the host also drops
 * that code from the text: specialize.ts). Chromium/SwiftShader, conv_gemm at CBK 1: 133 ms with
 * no feature, 217 with all of them (medians of 9). Bits: rates, residual, then one per activation.
 */
export const FEATURE_RATES = 1;
export const FEATURE_RESIDUAL = 2;

/** The FEAT bit of activation code `code` (0, none, has none). */
export function activationFeature(code: number): number {
  return code === 0 ? 0 : 2 << code;
}

const CONVS = new Set(['Conv', 'ConvTranspose']);

/**
 * The features the conv steps of `graph` can use once the backend's conv fusions (fuse-conv.ts)
 * have run: found by a cheap scan of the graph before them, because the precompile (precompile.ts)
 * starts the pipelines before them and the lowering must ask for those same pipelines. A superset:
 * - rates (multi-rate and summed dispatches): two convs read the same x with the same weight
 *   shape's first two axes, group and strides (KSAC, GCN, ASPP; every rate fusion groups convs of
 *   one x and one channel count: fuse-conv-steps.ts, rateKey). LR-ASPP's two 1×1s of one x (40 →
 *   120 and 40 → 21) so no longer put the rate loop into every conv pipeline of the model;
 * - residual: an Add reads a conv's output (the residual and sum fusions);
 * - an activation: a conv's fused one, or an activation node reading an Add (the residual and sum
 *   fusions take it into the conv's epilogue).
 * A step that needs more (its lowering adds its own needs) gets a pipeline of its own, never a
 * wrong one.
 */
export function scanConvFeatures(graph: Graph): number {
  const made = producers(graph);
  const isConv = (v: string | undefined) => v !== undefined && CONVS.has(made.get(v)?.op ?? '');
  // The convs of each input.
  const readers = new Map<string, Node[]>();
  let bits = 0;
  for (const node of graph.nodes) {
    if (CONVS.has(node.op)) {
      bits |= activationFeature(fusedAct(node).code);
      const x = node.inputs[0] ?? '';
      const convs = readers.get(x);
      if (convs) convs.push(node);
      else readers.set(x, [node]);
    } else if (node.op === 'Add' && node.inputs.some(isConv)) {
      bits |= FEATURE_RESIDUAL;
    } else if (
      (ACTIVATION_KINDS as readonly string[]).includes(node.op) &&
      made.get(node.inputs[0] ?? '')?.op === 'Add'
    ) {
      bits |= activationFeature(actCode(node.op as ActivationKind));
    }
  }
  for (const convs of readers.values()) if (sharesRates(graph, convs)) bits |= FEATURE_RATES;
  return bits;
}

/**
 * Whether a rate fusion could group two of `convs` (convs of one input): they need the same weight
 * shape's first two axes, group and strides (fuse-conv-steps.ts, rateKey, which also compares the
 * output grid: leaving that out only widens the test). A weight that is not an initializer could
 * match any other: then any two convs count.
 */
function sharesRates(graph: Graph, convs: readonly Node[]): boolean {
  if (convs.length < 2) return false;
  const keys = new Set<string>();
  for (const node of convs) {
    const w = graph.initializers.get(node.inputs[1] ?? '');
    if (!w) return true;
    const strides = intsAttr(node, 'strides', []);
    const key = JSON.stringify([
      w.dims.slice(0, 2),
      intAttr(node, 'group', 1),
      strides.every((v) => v === 1) ? 1 : strides,
    ]);
    if (keys.has(key)) return true;
    keys.add(key);
  }
  return false;
}
