export type { BackendName } from './engine/backend.js';
export { setAtrousWasmBytes } from './engine/backends/wasm/module.js';
export { OPS } from './engine/ops/index.js';
export { type OutputError, outputError } from './engine/output-error.js';
export { Session, type SessionOptions } from './engine/session.js';
export { type DType, sizeOf, stridesOf, Tensor, type TensorData } from './engine/tensor.js';
export * from './errors.js';
export { GraphBuilder } from './graph/builder.js';
export { exportOnnx } from './graph/export/onnx.js';
export { importModel } from './graph/import/index.js';
export { importTflite, isTfliteFile } from './graph/import/tflite.js';
export type { Attrs, AttrValue, Dim, Graph, Node, TensorInfo } from './graph/ir.js';
export { OP_TYPES, type OpType } from './graph/op-types.js';
export { optimizeGraph } from './graph/passes/index.js';
export { isAtrousFile, loadAtrous, type SaveAtrousOptions, saveAtrous } from './graph/serialize/index.js';
export { inferShapes } from './graph/shape-inference.js';
export { topoSort, validateGraph } from './graph/validate.js';
export * from './io/index.js';
export { CRF_PRESETS, type CrfParams, type DenseCrfOptions, denseCrf } from './post/crf/index.js';
// Browser-safe dataset pieces; reading folders from disk is in the 'atrous/node' entry (src/node.ts).
export {
  builtinClasses,
  CITYSCAPES_CLASSES,
  cityscapesTrainIds,
  decodeLabelPng,
  LABEL_FORMATS,
  type LabelFormat,
  type LabelMap,
  unknownLabels,
  VOC_CLASSES,
} from './post/datasets/labels.js';
export { slidingWindowScores, windowStarts } from './post/datasets/sliding.js';
export * from './post/losses/index.js';
export * from './post/metrics/index.js';
export * from './post/portrait.js';
export { Rng } from './util/random.js';
export * from './zoo/selfie.js';
export * from './zoo/weights/index.js';
