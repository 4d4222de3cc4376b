import type { Graph } from '../../graph/ir.js';
import { inferShapes } from '../../graph/shape-inference.js';

/** A model whose only output is the argmax label map, computed by the backend that runs it. */
export interface ArgmaxModel {
  graph: Graph;
  /** Class-score channels of the original output (the labels are 0..channels-1). */
  channels: number;
  /** Name of the new int64 (1, H, W) output. */
  output: string;
}

/**
 * Appends an ArgMax over the channel axis to a segmentation model with one (1, C, H, W) float
 * output (1, H, W, C) for NHWC models) and C >= 2, and makes the label map the only output. Evaluation then reads back H×W
 * labels instead of C×H×W scores: the logits stay on the device (WebGPU buffers, WASM memory).
 * ONNX ArgMax keeps the first index on ties, the rule of every confusion kernel here.
 * Returns undefined when the model does not fit (several outputs, unknown or one channel).
 */
export function withDeviceArgmax(graph: Graph, layout: 'NCHW' | 'NHWC' = 'NCHW'): ArgmaxModel | undefined {
  if (graph.outputs.length !== 1) return undefined;
  const scores = graph.outputs[0]?.name as string;
  const info = inferShapes(graph).get(scores);
  const shape = info?.shape;
  if (info?.dtype !== 'float32' || shape?.length !== 4 || shape[0] !== 1) return undefined;
  // Scores follow the input's layout: (1, C, H, W), or (1, H, W, C) for NHWC (TFLite) models.
  const axis = layout === 'NCHW' ? 1 : 3;
  const [h, w] = layout === 'NCHW' ? [shape[2], shape[3]] : [shape[1], shape[2]];
  const channels = shape[axis];
  if (typeof channels !== 'number' || channels < 2) return undefined;
  let output = `${scores}_labels`;
  while (graph.nodes.some((n) => n.outputs.includes(output)) || graph.initializers.has(output)) output += '_';
  return {
    channels,
    output,
    graph: {
      ...graph,
      nodes: [
        ...graph.nodes,
        {
          name: `${output}_argmax`,
          op: 'ArgMax',
          inputs: [scores],
          outputs: [output],
          attrs: { axis, keepdims: 0 },
        },
      ],
      outputs: [{ name: output, dtype: 'int64', shape: [1, h ?? 'h', w ?? 'w'] }],
    },
  };
}
