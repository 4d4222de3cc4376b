// Entry point of the WASM build: every kernel family file is re-exported here.
export { relu } from './activation';
export { confusionLabels, confusionLogits } from './confusion';
export { crfBlurDir, crfScoresClear, crfSliceSoftmax, crfSplat, crfToPlanes, crfUnary } from './crf';
export {
  crfBuildLattice,
  crfBuildLatticeTask,
  crfBuildNeighbors,
  crfBuildNeighborsRange,
  crfBuildSplat,
  crfInsertKeys,
  crfLatticeKeys,
  crfLatticeNorm,
  crfScaleWeights,
  crfTableMask,
} from './crf_lattice';
export { unary } from './activation';
export { convNhwc, convDepthwiseNhwc } from './conv';
export { conv1x1Nhwc } from './gemm';
export { convTransposeNhwc } from './conv_transpose';
export { poolNhwc, globalAvgPoolNhwc, globalAvgPoolRange } from './pool';
export { resizeNchw, resizeNhwc } from './resize';
export { binaryStrided } from './binary';
export { copyStrided } from './transpose';
export { fill, gatherAxes } from './pad';
export { softmaxAxis } from './softmax';
export { argmaxAxis } from './argmax';
export { reduceRows } from './reduce';
export { matmul } from './matmul';
export { castI64F32 } from './cast';
export { winogradNhwc, winogradScratchBytes } from './winograd';
export { winograd4Nhwc } from './winograd4';
export { winogradTransposeNhwc } from './winograd_transpose';
export { winogradLineNhwc } from './winograd_line';
export { convDepthwiseNchw } from './depthwise';
