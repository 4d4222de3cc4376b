import type { OpType } from '../../../../graph/op-types.js';
import type { Lowering } from '../types.js';
import { Conv } from './conv.js';
import { ConvTranspose } from './conv_transpose.js';
import { DenseCRF } from './dense_crf.js';
import * as E from './elementwise.js';
import { Gemm, MatMul } from './gemm.js';
import * as L from './layout.js';
import { AveragePool, GlobalAveragePool, MaxPool } from './pool.js';
import { Resize, Upsample } from './resize.js';
import { ArgMax, ReduceMax, ReduceMean, Softmax } from './rows.js';

/**
 * Ops with a WGSL kernel (kernels/*.wgsl) and how each lowers to GPU steps. An op missing here
 * makes prepare() fail with a typed error naming it: the webgpu backend never falls back to the CPU.
 */
export const WEBGPU_KERNELS: Partial<Record<OpType, Lowering>> = {
  Conv,
  ConvTranspose,
  DenseCRF,
  Relu: E.Relu,
  Clip: E.Clip,
  Sigmoid: E.Sigmoid,
  HardSigmoid: E.HardSigmoid,
  HardSwish: E.HardSwish,
  Tanh: E.Tanh,
  LeakyRelu: E.LeakyRelu,
  PRelu: E.PRelu,
  Add: E.Add,
  Sub: E.Sub,
  Mul: E.Mul,
  Div: E.Div,
  BatchNormalization: E.BatchNormalization,
  Concat: L.Concat,
  Split: L.Split,
  Slice: L.Slice,
  Gather: L.Gather,
  Transpose: L.Transpose,
  Expand: L.Expand,
  Pad: L.Pad,
  Cast: L.Cast,
  Reshape: L.relabel,
  Flatten: L.relabel,
  Squeeze: L.relabel,
  Unsqueeze: L.relabel,
  Identity: L.relabel,
  Dropout: L.relabel,
  Resize,
  Upsample,
  MaxPool,
  AveragePool,
  GlobalAveragePool,
  Softmax,
  ArgMax,
  ReduceMean,
  ReduceMax,
  Gemm,
  MatMul,
};
