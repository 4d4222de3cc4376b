import type { WasmInstance } from './module.js';

/**
 * The exports of build/atrous.wasm this backend calls (assembly/index.ts). Pointers are byte
 * offsets in the instance's memory; sizes and strides are element counts.
 */
export interface Kernels {
  unary(src: number, dst: number, n: number, kind: number, p0: number, p1: number): void;
  convNhwc(...args: number[]): void;
  conv1x1Nhwc(...args: number[]): void;
  convDepthwiseNhwc(...args: number[]): void;
  /** Depthwise conv on row-major planes (assembly/depthwise.ts), over a range of output rows. */
  convDepthwiseNchw(...args: number[]): void;
  convTransposeNhwc(...args: number[]): void;
  poolNhwc(...args: number[]): void;
  globalAvgPoolNhwc(x: number, y: number, n: number, hw: number, c: number): void;
  globalAvgPoolRange(x: number, y: number, n: number, hw: number, c: number, c0: number, c1: number): void;
  resizeNhwc(...args: number[]): void;
  resizeNchw(...args: number[]): void;
  binaryStrided(...args: number[]): void;
  copyStrided(...args: number[]): void;
  fill(dst: number, n: number, value: number): void;
  gatherAxes(...args: number[]): void;
  castI64F32(src: number, dst: number, n: number): void;
  winogradNhwc(...args: number[]): void;
  winograd4Nhwc(...args: number[]): void;
  winogradTransposeNhwc(...args: number[]): void;
  winogradLineNhwc(...args: number[]): void;
  softmaxAxis(x: number, y: number, outer: number, len: number, inner: number): void;
  argmaxAxis(x: number, y: number, outer: number, len: number, inner: number, last: number): void;
  reduceRows(x: number, y: number, rows: number, len: number, mode: number): void;
  matmul(...args: number[]): void;
  /** Dense-CRF iteration phases (assembly/crf.ts), with point / pixel ranges for threads. */
  crfSplat(...args: number[]): void;
  crfBlurDir(i0: number, i1: number, rowBytes: number, nb: number, src: number, dst: number): void;
  crfSliceSoftmax(...args: number[]): void;
  /** Dense-CRF lattice build (assembly/crf_lattice.ts): a kernel per task, neighbours by point range. */
  crfBuildLatticeTask(...args: number[]): void;
  crfBuildNeighborsRange(...args: number[]): void;
  crfLatticeKeys(...args: number[]): void;
  crfInsertKeys(...args: number[]): void;
  crfBuildSplat(...args: number[]): void;
  crfLatticeNorm(...args: number[]): void;
  crfScaleWeights(...args: number[]): void;
}

/** Every kernel export, in a fixed order (workers address kernels by their index here). */
export const KERNEL_NAMES: readonly (keyof Kernels)[] = [
  'unary',
  'convNhwc',
  'conv1x1Nhwc',
  'convDepthwiseNhwc',
  'convTransposeNhwc',
  'poolNhwc',
  'globalAvgPoolNhwc',
  'globalAvgPoolRange',
  'resizeNhwc',
  'binaryStrided',
  'copyStrided',
  'fill',
  'gatherAxes',
  'castI64F32',
  'winogradNhwc',
  'winograd4Nhwc',
  'softmaxAxis',
  'argmaxAxis',
  'reduceRows',
  'matmul',
  'crfSplat',
  'crfBlurDir',
  'crfSliceSoftmax',
  'winogradTransposeNhwc',
  'resizeNchw',
  'winogradLineNhwc',
  'convDepthwiseNchw',
  'crfBuildLatticeTask',
  'crfBuildNeighborsRange',
  'crfBuildSplat',
  'crfLatticeNorm',
  'crfScaleWeights',
  'crfLatticeKeys',
  'crfInsertKeys',
];

/** Looks every kernel up once (BackendUnavailableError naming a missing one: stale build). */
export function kernelsOf(inst: WasmInstance): Kernels {
  const k: Partial<Record<keyof Kernels, unknown>> = {};
  for (const name of KERNEL_NAMES) k[name] = inst.fn(name);
  return k as Kernels;
}

/** Activation codes of assembly/activation.ts (act4). */
export const ACT_CODES: Readonly<Record<string, number>> = {
  '': 0,
  Relu: 1,
  Clip: 2,
  Sigmoid: 3,
  HardSigmoid: 4,
  HardSwish: 5,
  Tanh: 6,
  LeakyRelu: 7,
};

/** Code and the two parameters of an activation, with the ONNX defaults. */
export function actArgs(kind: string, params: readonly number[]): [number, number, number] {
  const code = ACT_CODES[kind] ?? 0;
  switch (kind) {
    case 'Clip':
      return [code, params[0] ?? Number.NEGATIVE_INFINITY, params[1] ?? Number.POSITIVE_INFINITY];
    case 'HardSigmoid':
      return [code, params[0] ?? 0.2, params[1] ?? 0.5];
    case 'LeakyRelu':
      return [code, params[0] ?? 0.01, 0];
    default:
      return [code, 0, 0];
  }
}
