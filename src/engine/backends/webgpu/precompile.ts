import type { Graph } from '../../../graph/ir.js';
import { isDepthwiseConv } from '../../ops/conv.js';
import { liveDevice } from './device.js';
import { FIRST_TIER_CBK } from './kernels/conv_gemm.js';
import { PipelineCache } from './pipelines.js';
import { WG } from './types.js';

/** How the session about to be lowered is tuned (index.ts: `tuning`, the session's options). */
export interface PrecompileTuning {
  /** Forced software/GPU tuning; undefined: the adapter decides. */
  software: boolean | undefined;
  /** Tiered start-up (DispatchStep.upgrade) on. */
  tiered: boolean;
  /** Device features the lowerings must not use. */
  ignored: ReadonlySet<string>;
  /** The conv kernels' FEAT for this graph (conv-features.ts), as the lowering will ask for it. */
  convFeatures: number;
}

/**
 * Starts compiling the conv kernels a lowering will ask for first, on the shared device when one
 * is alive, before the graph is fused, planned and lowered: the driver's compile (most of a cold
 * start) then overlaps that work, and the lowering's own request finds the pipeline in the
 * device's cache.
 * - On a GPU (~50 ms on an H200 for conv_pixel, 24–36 for depthwise): conv_pixel.wgsl for every
 *   non-depthwise Conv and ConvTranspose, depthwise.wgsl for depthwise Convs.
 * - On a software adapter, tiered: conv_gemm.wgsl (conv_gemm_nosg.wgsl without subgroups) at
 *   FIRST_TIER_CBK, where every non-depthwise Conv and ConvTranspose starts, and depthwise.wgsl,
 *   where every depthwise Conv starts. Untiered, the lowering's choices (CBK, row kernels) depend on
 *   shapes: nothing starts.
 * Every one with the graph's conv features (FEAT, conv-features.ts), as the lowering asks for it.
 * Returns the compiles (settled, never rejected) or undefined where nothing starts.
 */
export function precompileConvKernels(graph: Graph, tuning: PrecompileTuning): Promise<unknown> | undefined {
  const live = liveDevice();
  if (!live) return undefined;
  const software = tuning.software ?? live.software;
  if (software && !tuning.tiered) return undefined;
  const convs = graph.nodes.filter((n) => n.op === 'Conv' || n.op === 'ConvTranspose');
  const dense = convs.find((n) => !isDepthwiseConv(graph, n));
  const depthwise = convs.find((n) => isDepthwiseConv(graph, n));
  const subgroups = live.device.features.has('subgroups') && !tuning.ignored.has('subgroups');
  const common = { WG, FEAT: tuning.convFeatures };
  const [stem, overrides] = !software
    ? ['conv_pixel', common]
    : [subgroups ? 'conv_gemm' : 'conv_gemm_nosg', { ...common, CBK: FIRST_TIER_CBK }];
  const cache = new PipelineCache(live.device);
  const started = [
    ...(dense ? [cache.get(stem, overrides, { node: dense.name, op: dense.op })] : []),
    ...(depthwise ? [cache.get('depthwise', common, { node: depthwise.name, op: depthwise.op })] : []),
  ];
  if (started.length === 0) return undefined;
  return Promise.all(started.map((p) => p.catch(() => undefined)));
}
