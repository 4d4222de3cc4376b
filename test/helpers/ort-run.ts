// onnxruntime-web as an oracle, without vitest: the test helpers (ort.ts) and scripts/fuzz-ops.ts use it.
import * as ort from 'onnxruntime-web';
import { type DType, Tensor } from '../../src/engine/tensor.js';
import { exportOnnx } from '../../src/graph/export/onnx.js';
import type { Graph } from '../../src/graph/ir.js';

// Single-threaded wasm: worker threads need a script file and would compete for the test cores.
ort.env.wasm.numThreads = 1;
ort.env.logLevel = 'error';

const ORT_DTYPES: ReadonlySet<string> = new Set<DType>([
  'float32',
  'float64',
  'int32',
  'int64',
  'uint8',
  'int8',
  'bool',
]);

function toOrt(t: Tensor): ort.Tensor {
  // ort.Tensor keeps a reference to the data; hand it a copy so nothing can alias our tensors.
  const data = t.data.slice();
  return new ort.Tensor(t.dtype, data as ort.Tensor.DataType, [...t.dims]);
}

function fromOrt(name: string, t: ort.Tensor): Tensor {
  if (!ORT_DTYPES.has(t.type)) throw new Error(`onnxruntime output '${name}' has dtype ${t.type}`);
  const dtype = t.type as DType;
  const data = (t.data as Tensor['data']).slice();
  return new Tensor(dtype, t.dims.map(Number), data as Tensor['data']);
}

/**
 * Runs `graph` in onnxruntime-web (wasm, one thread, graph optimizations off so ORT computes the
 * graph as written): encodes it with exportOnnx, feeds `feeds`, returns every graph output.
 */
export async function runOrt(
  graph: Graph,
  feeds: Record<string, Tensor>,
  options: { quiet?: boolean } = {},
): Promise<Record<string, Tensor>> {
  // quiet: onnxruntime's own log of a failed session (the error is thrown anyway) stays off.
  const logSeverityLevel = options.quiet ? 4 : 3;
  const session = await ort.InferenceSession.create(exportOnnx(graph), {
    executionProviders: ['wasm'],
    graphOptimizationLevel: 'disabled',
    logSeverityLevel,
  });
  try {
    const inputs: Record<string, ort.Tensor> = {};
    for (const [name, t] of Object.entries(feeds)) inputs[name] = toOrt(t);
    const results = await session.run(inputs, { logSeverityLevel });
    const out: Record<string, Tensor> = {};
    for (const [name, t] of Object.entries(results)) out[name] = fromOrt(name, t);
    return out;
  } finally {
    await session.release();
  }
}
