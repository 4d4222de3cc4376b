import type { OpType } from '../../../../graph/op-types.js';
import type { RefKernel } from '../../../ops/types.js';
import {
  Clip as ClipRef,
  HardSigmoid as HardSigmoidRef,
  HardSwish as HardSwishRef,
  LeakyRelu as LeakyReluRef,
  Relu as ReluRef,
  Sigmoid as SigmoidRef,
  Tanh as TanhRef,
} from './activation.js';
import { ArgMax as ArgMaxRef } from './argmax.js';
import { BatchNormalization as BatchNormalizationRef } from './batch_norm.js';
import { Add as AddRef, Div as DivRef, Mul as MulRef, Sub as SubRef } from './binary.js';
import { Cast as CastRef } from './cast.js';
import { Concat as ConcatRef } from './concat.js';
import { ConstantOfShape as ConstantOfShapeRef, Constant as ConstantRef } from './constant.js';
import { Conv as ConvRef } from './conv.js';
import { ConvTranspose as ConvTransposeRef } from './conv_transpose.js';
import { DenseCRF as DenseCRFRef } from './dense_crf.js';
import { Expand as ExpandRef } from './expand.js';
import { Gather as GatherRef } from './gather.js';
import { Gemm as GemmRef } from './gemm.js';
import { Dropout as DropoutRef, Identity as IdentityRef } from './identity.js';
import { MatMul as MatMulRef } from './matmul.js';
import { Pad as PadRef } from './pad.js';
import {
  AveragePool as AveragePoolRef,
  GlobalAveragePool as GlobalAveragePoolRef,
  MaxPool as MaxPoolRef,
} from './pool.js';
import { PRelu as PReluRef } from './prelu.js';
import { ReduceMax as ReduceMaxRef, ReduceMean as ReduceMeanRef } from './reduce.js';
import {
  Flatten as FlattenRef,
  Reshape as ReshapeRef,
  Squeeze as SqueezeRef,
  Unsqueeze as UnsqueezeRef,
} from './reshape.js';
import { Resize as ResizeRef, Upsample as UpsampleRef } from './resize.js';
import { Shape as ShapeRef } from './shape.js';
import { Slice as SliceRef } from './slice.js';
import { Softmax as SoftmaxRef } from './softmax.js';
import { Split as SplitRef } from './split.js';
import { Transpose as TransposeRef } from './transpose.js';

/** Reference kernels, one per op type (a missing op is a compile error). */
export const REF_KERNELS = {
  Conv: ConvRef,
  ConvTranspose: ConvTransposeRef,
  BatchNormalization: BatchNormalizationRef,
  Relu: ReluRef,
  Clip: ClipRef,
  Sigmoid: SigmoidRef,
  HardSigmoid: HardSigmoidRef,
  HardSwish: HardSwishRef,
  Tanh: TanhRef,
  LeakyRelu: LeakyReluRef,
  PRelu: PReluRef,
  Add: AddRef,
  Sub: SubRef,
  Mul: MulRef,
  Div: DivRef,
  Concat: ConcatRef,
  Split: SplitRef,
  Slice: SliceRef,
  Reshape: ReshapeRef,
  Flatten: FlattenRef,
  Squeeze: SqueezeRef,
  Unsqueeze: UnsqueezeRef,
  Transpose: TransposeRef,
  GlobalAveragePool: GlobalAveragePoolRef,
  AveragePool: AveragePoolRef,
  MaxPool: MaxPoolRef,
  ReduceMean: ReduceMeanRef,
  ReduceMax: ReduceMaxRef,
  Resize: ResizeRef,
  Upsample: UpsampleRef,
  Softmax: SoftmaxRef,
  ArgMax: ArgMaxRef,
  Gemm: GemmRef,
  MatMul: MatMulRef,
  Pad: PadRef,
  Shape: ShapeRef,
  Gather: GatherRef,
  Cast: CastRef,
  Constant: ConstantRef,
  ConstantOfShape: ConstantOfShapeRef,
  Expand: ExpandRef,
  Identity: IdentityRef,
  Dropout: DropoutRef,
  DenseCRF: DenseCRFRef,
} satisfies Record<OpType, RefKernel>;
