import { ModelFormatError } from '../../errors.js';
import type { Graph, TensorInfo } from '../ir.js';
import { TflContext } from './tflite-context.js';
import { TensorType, tensorTypeName } from './tflite-enums.js';
import { convertOperator } from './tflite-ops.js';
import { readTflModel, type TflModel } from './tflite-schema.js';

/** TFLite files carry the FlatBuffer file identifier 'TFL3' at bytes 4..8. */
export function isTfliteFile(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && String.fromCharCode(...bytes.subarray(4, 8)) === 'TFL3';
}

/** ONNX opset of the imported graph: 14 for HardSwish; Resize/Clip/Pad take inputs, ReduceMean `axes` is an attribute. */
const TFLITE_GRAPH_OPSET = 14;

/**
 * Reads a TFLite model (float32, or float16 weights behind DEQUANTIZE) into a Graph with ONNX (NCHW)
 * semantics. The graph keeps the model's own NHWC interface: Transposes at the edges, weights
 * converted at import (OHWI → OIHW), axes of layout-sensitive ops remapped.
 */
export function importTflite(bytes: Uint8Array): Graph {
  if (!isTfliteFile(bytes)) {
    throw new ModelFormatError("not a TFLite model: the file identifier at bytes 4..8 is not 'TFL3'");
  }
  const model = readTflModel(bytes);
  const sg = mainSubgraph(model);
  const ctx = new TflContext(model, sg);
  const inputs: TensorInfo[] = sg.inputs.map((i) => {
    ctx.defineInput(i);
    return info(ctx, i, 'input');
  });
  for (const op of sg.operators) convertOperator(ctx, op);
  ctx.op = undefined;
  ctx.opName = 'output';
  const outputs = sg.outputs.map((i) => {
    const name = ctx.nhwc(i);
    if (name !== ctx.nameOf(i))
      throw new ModelFormatError(`TFLite output '${ctx.nameOf(i)}' is not computed by the graph`);
    return info(ctx, i, 'output');
  });
  const metadata: Record<string, string> = { format: 'tflite', tflite_schema_version: String(model.version) };
  if (model.description) metadata.description = model.description;
  if (sg.name) metadata.subgraph = sg.name;
  return {
    name: sg.name || model.description || 'tflite',
    opset: TFLITE_GRAPH_OPSET,
    inputs,
    outputs,
    initializers: ctx.initializers,
    nodes: ctx.nodes,
    metadata,
  };
}

function mainSubgraph(model: TflModel) {
  if (model.subgraphs.length === 0) throw new ModelFormatError('TFLite model has no subgraph');
  if (model.subgraphs.length > 1) {
    throw new ModelFormatError(
      `TFLite model has ${model.subgraphs.length} subgraphs (control flow: WHILE/IF/CALL_ONCE); atrous imports single-subgraph models only`,
    );
  }
  const sg = model.subgraphs[0] as TflModel['subgraphs'][number];
  if (sg.inputs.length === 0 || sg.outputs.length === 0) {
    throw new ModelFormatError(
      `TFLite subgraph has ${sg.inputs.length} inputs and ${sg.outputs.length} outputs`,
    );
  }
  if (sg.operators.length === 0) throw new ModelFormatError('TFLite subgraph has no operators');
  return sg;
}

function info(ctx: TflContext, i: number, role: string): TensorInfo {
  const t = ctx.tensor(i);
  if (t.type !== TensorType.FLOAT32) {
    throw new ModelFormatError(
      `TFLite ${role} '${ctx.nameOf(i)}' is ${tensorTypeName(t.type)}; atrous imports float32 model inputs/outputs only`,
    );
  }
  return { name: ctx.nameOf(i), dtype: 'float32', shape: [...t.shape] };
}
