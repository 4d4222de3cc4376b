import type { Graph } from '../../../graph/ir.js';
import { isDepthwiseConv } from '../../ops/conv.js';
import { liveDevice } from './device.js';
import { PipelineCache } from './pipelines.js';
import { WG } from './types.js';

/**
 * Starts compiling the conv kernels a GPU lowering will ask for, with no override but WG, on the
 * shared device when one is alive, before the graph is fused, planned and lowered: the driver's
 * compile (most of a cold start, ~50 ms on an H200 for conv_pixel, 24–36 for depthwise) then
 * overlaps that work, and the lowering's own request finds the pipeline in the device's cache.
 * - conv_pixel.wgsl: every non-depthwise Conv and ConvTranspose;
 * - depthwise.wgsl: every depthwise Conv (its activation is a uniform).
 * Returns the compiles (settled, never rejected) or undefined where nothing starts: no live
 * device, a software adapter (conv_gemm, whose CBK only the lowering knows) or no such conv.
 */
export function precompileConvKernels(
  graph: Graph,
  software: boolean | undefined,
): Promise<unknown> | undefined {
  const live = liveDevice();
  if (!live || (software ?? live.software)) return undefined;
  const convs = graph.nodes.filter((n) => n.op === 'Conv' || n.op === 'ConvTranspose');
  const dense = convs.find((n) => !isDepthwiseConv(graph, n));
  const depthwise = convs.find((n) => isDepthwiseConv(graph, n));
  const cache = new PipelineCache(live.device);
  const started = [
    ...(dense ? [cache.get('conv_pixel', { WG }, { node: dense.name, op: dense.op })] : []),
    ...(depthwise ? [cache.get('depthwise', { WG }, { node: depthwise.name, op: depthwise.op })] : []),
  ];
  if (started.length === 0) return undefined;
  return Promise.all(started.map((p) => p.catch(() => undefined)));
}
