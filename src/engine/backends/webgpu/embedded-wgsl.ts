// Every kernels/*.wgsl, inlined as text by the bundler (tsup: scripts/esbuild-wgsl.ts; vitest and
// vite-node: Vite's `?raw`): a session never fetches or reads a kernel file, so a page or a bundle
// needs nothing served beside the JavaScript, and a cold start in a browser skips a request per
// kernel (~47 ms for conv_gemm.wgsl in Chromium here). test/webgpu/registry.test.ts checks that this
// list and kernels/ agree.

import activation from '../../../../kernels/activation.wgsl?raw';
import argmax from '../../../../kernels/argmax.wgsl?raw';
import batchNorm from '../../../../kernels/batch_norm.wgsl?raw';
import binary from '../../../../kernels/binary.wgsl?raw';
import binaryNd from '../../../../kernels/binary_nd.wgsl?raw';
import binaryVec4 from '../../../../kernels/binary_vec4.wgsl?raw';
import cast from '../../../../kernels/cast.wgsl?raw';
import confusion from '../../../../kernels/confusion.wgsl?raw';
import convGemm from '../../../../kernels/conv_gemm.wgsl?raw';
import convGemmNosg from '../../../../kernels/conv_gemm_nosg.wgsl?raw';
import convPixel from '../../../../kernels/conv_pixel.wgsl?raw';
import copy from '../../../../kernels/copy.wgsl?raw';
import copyNd from '../../../../kernels/copy_nd.wgsl?raw';
import crfBlur from '../../../../kernels/crf_blur.wgsl?raw';
import crfBuildElevate from '../../../../kernels/crf_build_elevate.wgsl?raw';
import crfBuildFill from '../../../../kernels/crf_build_fill.wgsl?raw';
import crfBuildFirst from '../../../../kernels/crf_build_first.wgsl?raw';
import crfBuildFlag from '../../../../kernels/crf_build_flag.wgsl?raw';
import crfBuildIds from '../../../../kernels/crf_build_ids.wgsl?raw';
import crfBuildInsert from '../../../../kernels/crf_build_insert.wgsl?raw';
import crfBuildNeighbors from '../../../../kernels/crf_build_neighbors.wgsl?raw';
import crfBuildNorm from '../../../../kernels/crf_build_norm.wgsl?raw';
import crfBuildNormSplat from '../../../../kernels/crf_build_norm_splat.wgsl?raw';
import crfBuildScale from '../../../../kernels/crf_build_scale.wgsl?raw';
import crfBuildScan from '../../../../kernels/crf_build_scan.wgsl?raw';
import crfBuildScanAdd from '../../../../kernels/crf_build_scan_add.wgsl?raw';
import crfBuildSort from '../../../../kernels/crf_build_sort.wgsl?raw';
import crfPlanes from '../../../../kernels/crf_planes.wgsl?raw';
import crfSplat from '../../../../kernels/crf_splat.wgsl?raw';
import crfUpdate from '../../../../kernels/crf_update.wgsl?raw';
import depthwise from '../../../../kernels/depthwise.wgsl?raw';
import depthwiseRow from '../../../../kernels/depthwise_row.wgsl?raw';
import gather from '../../../../kernels/gather.wgsl?raw';
import gemm from '../../../../kernels/gemm.wgsl?raw';
import globalAveragePool from '../../../../kernels/global_average_pool.wgsl?raw';
import pad from '../../../../kernels/pad.wgsl?raw';
import pool from '../../../../kernels/pool.wgsl?raw';
import reduce from '../../../../kernels/reduce.wgsl?raw';
import reduceNd from '../../../../kernels/reduce_nd.wgsl?raw';
import resize from '../../../../kernels/resize.wgsl?raw';
import resizeArgmax from '../../../../kernels/resize_argmax.wgsl?raw';
import resizeSoftmax from '../../../../kernels/resize_softmax.wgsl?raw';
import softmax from '../../../../kernels/softmax.wgsl?raw';

/** WGSL text by kernel stem (kernels/<stem>.wgsl). */
export const EMBEDDED_WGSL: Readonly<Record<string, string>> = {
  activation: activation,
  argmax: argmax,
  batch_norm: batchNorm,
  binary: binary,
  binary_nd: binaryNd,
  binary_vec4: binaryVec4,
  cast: cast,
  confusion: confusion,
  conv_gemm: convGemm,
  conv_gemm_nosg: convGemmNosg,
  conv_pixel: convPixel,
  copy: copy,
  copy_nd: copyNd,
  crf_blur: crfBlur,
  crf_build_elevate: crfBuildElevate,
  crf_build_fill: crfBuildFill,
  crf_build_first: crfBuildFirst,
  crf_build_flag: crfBuildFlag,
  crf_build_ids: crfBuildIds,
  crf_build_insert: crfBuildInsert,
  crf_build_neighbors: crfBuildNeighbors,
  crf_build_norm: crfBuildNorm,
  crf_build_norm_splat: crfBuildNormSplat,
  crf_build_scale: crfBuildScale,
  crf_build_scan: crfBuildScan,
  crf_build_scan_add: crfBuildScanAdd,
  crf_build_sort: crfBuildSort,
  crf_planes: crfPlanes,
  crf_splat: crfSplat,
  crf_update: crfUpdate,
  depthwise: depthwise,
  depthwise_row: depthwiseRow,
  gemm: gemm,
  gather,
  global_average_pool: globalAveragePool,
  pad: pad,
  pool: pool,
  reduce: reduce,
  reduce_nd: reduceNd,
  resize: resize,
  resize_argmax: resizeArgmax,
  resize_softmax: resizeSoftmax,
  softmax: softmax,
};
