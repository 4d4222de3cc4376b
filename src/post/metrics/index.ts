export { averagePrecision } from './average-precision.js';
export {
  type BoundaryCounts,
  boundaryCounts,
  boundaryF,
  boundaryMap,
  classBoxes,
  classMasks,
  croppedClassMasks,
  hausdorff95,
  percentile,
  surfaceMap,
} from './boundary.js';
export { confusionHeatmapPng, iouBarChartPng, iouBarChartSvg } from './charts.js';
export { ConfusionMatrix, type Labels, type SkipCounts } from './confusion.js';
export { WebGpuConfusion, type WebGpuConfusionOptions } from './confusion-webgpu.js';
export { squaredEdt } from './edt.js';
export {
  argmaxLabels,
  type BoundaryReport,
  Evaluator,
  type EvaluatorOptions,
  type MetricsKernel,
  type MetricsReport,
} from './evaluator.js';
export { nanMean, type Scores, scoresFromCounts } from './scores.js';
export { WasmConfusion } from './wasm.js';
