import type { Graph } from '../../../graph/ir.js';
import { isDepthwiseConv } from '../../ops/conv.js';
import { liveDevice } from './device.js';
import { PipelineCache } from './pipelines.js';
import { WG } from './types.js';

/**
 * Starts compiling conv_pixel.wgsl — on a GPU the one pipeline every non-depthwise Conv and
 * ConvTranspose uses, with no override but WG — on the shared device when one is alive, before the
 * graph is fused, planned and lowered: the driver's compile (most of a cold start, ~50 ms on an
 * H200) then overlaps that work, and the lowering's own request finds the pipeline in the device's
 * cache. Returns the compile (settled, never rejected) or undefined where nothing starts: no live
 * device, a software adapter (conv_gemm, whose CBK only the lowering knows) or no such conv.
 */
export function precompileConvPixel(
  graph: Graph,
  software: boolean | undefined,
): Promise<unknown> | undefined {
  const live = liveDevice();
  if (!live || (software ?? live.software)) return undefined;
  const conv = graph.nodes.find(
    (n) => (n.op === 'Conv' || n.op === 'ConvTranspose') && !isDepthwiseConv(graph, n),
  );
  if (!conv) return undefined;
  const label = { node: conv.name, op: conv.op };
  return new PipelineCache(live.device).get('conv_pixel', { WG }, label).catch(() => undefined);
}
