/**
 * Every op atrous knows, in one list. The op registry (src/engine/ops/index.ts) and every backend's
 * kernel table are typed `Record<OpType, ...>`, so an op missing anywhere is a compile error.
 */
export const OP_TYPES = [
  'Conv',
  'ConvTranspose',
  'BatchNormalization',
  'Relu',
  'Clip',
  'Sigmoid',
  'HardSigmoid',
  'HardSwish',
  'Tanh',
  'LeakyRelu',
  'PRelu',
  'Add',
  'Sub',
  'Mul',
  'Div',
  'Concat',
  'Split',
  'Slice',
  'Reshape',
  'Flatten',
  'Transpose',
  'Squeeze',
  'Unsqueeze',
  'GlobalAveragePool',
  'AveragePool',
  'MaxPool',
  'ReduceMean',
  'ReduceMax',
  'Resize',
  'Upsample',
  'Softmax',
  'ArgMax',
  'Gemm',
  'MatMul',
  'Pad',
  'Shape',
  'Gather',
  'Cast',
  'Constant',
  'ConstantOfShape',
  'Expand',
  'Identity',
  'Dropout',
  'DenseCRF',
] as const;

export type OpType = (typeof OP_TYPES)[number];

const OP_SET: ReadonlySet<string> = new Set(OP_TYPES);

export function isOpType(op: string): op is OpType {
  return OP_SET.has(op);
}
