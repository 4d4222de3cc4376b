// Entry point of the WASM build: every kernel family file is re-exported here.
export { relu } from './activation';
export { confusionLabels, confusionLogits } from './confusion';
export { crfBuildLattice, crfBuildNeighbors, crfFilter, crfHeapBase, crfSoftmax } from './crf';
