// Entry point of the WASM build: every kernel family file is re-exported here.
export { relu } from './activation';
export { confusionLabels, confusionLogits } from './confusion';
export { crfBuildLattice, crfBuildNeighbors, crfFilter, crfSoftmax } from './crf';
export { unary } from './activation';
export { convNhwc, convDepthwiseNhwc } from './conv';
export { convTransposeNhwc } from './conv_transpose';
export { poolNhwc, globalAvgPoolNhwc } from './pool';
export { resizeNhwc } from './resize';
export { binaryStrided } from './binary';
export { copyStrided } from './transpose';
export { fill, gatherAxes } from './pad';
export { softmaxAxis } from './softmax';
export { argmaxAxis } from './argmax';
export { reduceRows } from './reduce';
export { matmul } from './matmul';
export { castI64F32 } from './cast';
export { winogradNhwc, winogradScratchBytes } from './winograd';
