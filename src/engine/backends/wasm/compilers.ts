import { compileDenseCrf } from './compile-crf.js';
import { compileActivation, compileBatchNorm, compileBinary, compileCopy } from './compile-elementwise.js';
import { compileArgMax, compileGemm, compileMatMul, compileReduce, compileSoftmax } from './compile-math.js';
import { compileResize } from './compile-resize.js';
import {
  compileConcat,
  compileExpand,
  compileGather,
  compilePad,
  compileReshape,
  compileSlice,
  compileSplit,
  compileTranspose,
} from './compile-shape.js';
import { compileConv, compileConvTranspose, compilePool } from './compile-spatial.js';
import type { Ctx, Step } from './context.js';

/**
 * Ops with a WASM kernel, and how each node is turned into prepared kernel calls. Ops missing
 * here make prepare() fail with the list (no silent fallback to another backend). Nodes whose
 * outputs are all constants (shape math) were folded at prepare time and need no kernel.
 */
export const WASM_COMPILERS: Readonly<Record<string, (ctx: Ctx) => Step[]>> = {
  Conv: compileConv,
  ConvTranspose: compileConvTranspose,
  MaxPool: compilePool,
  AveragePool: compilePool,
  GlobalAveragePool: compilePool,
  Resize: compileResize,
  Upsample: compileResize,
  BatchNormalization: compileBatchNorm,
  Relu: compileActivation,
  Clip: compileActivation,
  Sigmoid: compileActivation,
  HardSigmoid: compileActivation,
  HardSwish: compileActivation,
  Tanh: compileActivation,
  LeakyRelu: compileActivation,
  Add: compileBinary,
  Sub: compileBinary,
  Mul: compileBinary,
  Div: compileBinary,
  PRelu: compileBinary,
  Identity: compileCopy,
  Dropout: compileCopy,
  Cast: compileCopy,
  Reshape: compileReshape,
  Flatten: compileReshape,
  Squeeze: compileReshape,
  Unsqueeze: compileReshape,
  Transpose: compileTranspose,
  Concat: compileConcat,
  Split: compileSplit,
  Slice: compileSlice,
  Gather: compileGather,
  Pad: compilePad,
  Expand: compileExpand,
  Softmax: compileSoftmax,
  ArgMax: compileArgMax,
  ReduceMean: compileReduce,
  ReduceMax: compileReduce,
  Gemm: compileGemm,
  MatMul: compileMatMul,
  DenseCRF: compileDenseCrf,
};
