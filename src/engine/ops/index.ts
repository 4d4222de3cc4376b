import type { OpType } from '../../graph/op-types.js';
import { Clip, HardSigmoid, HardSwish, LeakyRelu, Relu, Sigmoid, Tanh } from './activation.js';
import { ArgMax } from './argmax.js';
import { BatchNormalization } from './batch_norm.js';
import { Add, Div, Mul, Sub } from './binary.js';
import { Cast } from './cast.js';
import { Concat } from './concat.js';
import { Constant, ConstantOfShape } from './constant.js';
import { Conv } from './conv.js';
import { ConvTranspose } from './conv_transpose.js';
import { DenseCRF } from './dense_crf.js';
import { Expand } from './expand.js';
import { Gather } from './gather.js';
import { Gemm } from './gemm.js';
import { Dropout, Identity } from './identity.js';
import { MatMul } from './matmul.js';
import { Pad } from './pad.js';
import { AveragePool, GlobalAveragePool, MaxPool } from './pool.js';
import { PRelu } from './prelu.js';
import { ReduceMax, ReduceMean } from './reduce.js';
import { Flatten, Reshape, Squeeze, Unsqueeze } from './reshape.js';
import { Resize, Upsample } from './resize.js';
import { Shape } from './shape.js';
import { Slice } from './slice.js';
import { Softmax } from './softmax.js';
import { Split } from './split.js';
import { Transpose } from './transpose.js';
import type { OpDef } from './types.js';

/** The op registry: one definition per op type (a missing op is a compile error). */
export const OPS = {
  Conv,
  ConvTranspose,
  BatchNormalization,
  Relu,
  Clip,
  Sigmoid,
  HardSigmoid,
  HardSwish,
  Tanh,
  LeakyRelu,
  PRelu,
  Add,
  Sub,
  Mul,
  Div,
  Concat,
  Split,
  Slice,
  Reshape,
  Flatten,
  Squeeze,
  Unsqueeze,
  Transpose,
  GlobalAveragePool,
  AveragePool,
  MaxPool,
  ReduceMean,
  ReduceMax,
  Resize,
  Upsample,
  Softmax,
  ArgMax,
  Gemm,
  MatMul,
  Pad,
  Shape,
  Gather,
  Cast,
  Constant,
  ConstantOfShape,
  Expand,
  Identity,
  Dropout,
  DenseCRF,
} satisfies Record<OpType, OpDef>;
