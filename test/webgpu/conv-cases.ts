import { GraphBuilder } from '../../src/graph/builder.js';
import { expectMatchesRef } from './helpers.js';

/**
 * Single convs for the conv kernels (conv_gemm.wgsl on software adapters, conv_pixel.wgsl on GPUs):
 * channel counts around the 4/8/16/32-channel tiles, size-1 and odd dims, dilation > pad, groups,
 * every fused activation, 1-D, and ConvTranspose phases (with and without taps).
 */
export interface Case {
  name: string;
  op?: 'Conv' | 'ConvTranspose';
  x: number[];
  w: number[];
  attrs: Record<string, number | number[] | string>;
}

export const CASES: Case[] = [
  {
    name: '5->7 3x3 pad 1 (one partial block)',
    x: [1, 5, 9, 7],
    w: [7, 5, 3, 3],
    attrs: { pads: [1, 1, 1, 1] },
  },
  { name: '3->33 (a 32-channel tile + 1)', x: [1, 3, 6, 5], w: [33, 3, 3, 3], attrs: { pads: [1, 1, 1, 1] } },
  {
    name: '7->18 stride 2 asymmetric pads',
    x: [2, 7, 11, 13],
    w: [18, 7, 3, 3],
    attrs: { strides: [2, 2], pads: [1, 0, 2, 1] },
  },
  {
    name: 'dilation 4 > pad 1, 9 channels',
    x: [1, 9, 12, 10],
    w: [12, 9, 3, 3],
    attrs: { dilations: [4, 4], pads: [1, 1, 1, 1] },
  },
  {
    name: 'groups 3 of 9 out channels',
    x: [1, 6, 7, 5],
    w: [27, 2, 3, 3],
    attrs: { group: 3, pads: [1, 1, 1, 1] },
  },
  { name: 'size-1 spatial 1x1', x: [3, 10, 1, 1], w: [6, 10, 1, 1], attrs: {} },
  { name: '1-row input, 1x3 kernel', x: [2, 5, 1, 7], w: [4, 5, 1, 3], attrs: { pads: [0, 1, 0, 1] } },
  {
    name: 'pointwise 64->40 @ 17x19 + LeakyRelu',
    x: [1, 64, 17, 19],
    w: [40, 64, 1, 1],
    attrs: { activation: 'LeakyRelu', activation_params: [0.1] },
  },
  {
    name: 'HardSigmoid epilogue',
    x: [1, 4, 5, 5],
    w: [9, 4, 3, 3],
    attrs: { activation: 'HardSigmoid', activation_params: [0.3, 0.4] },
  },
  // Sigmoid and Tanh share one exp in the epilogue (tanh(v) = 2 sigmoid(2v) - 1).
  {
    name: 'Tanh epilogue, 12 channels',
    x: [1, 6, 7, 6],
    w: [12, 6, 3, 3],
    attrs: { pads: [1, 1, 1, 1], activation: 'Tanh' },
  },
  {
    name: 'Sigmoid epilogue, 20 channels',
    x: [1, 5, 6, 5],
    w: [20, 5, 1, 1],
    attrs: { activation: 'Sigmoid' },
  },
  { name: '1-D k5 stride 2', x: [1, 3, 17], w: [4, 3, 5], attrs: { pads: [2, 1], strides: [2] } },
  {
    name: 'ConvTranspose k1 stride 2 (phases without taps)',
    op: 'ConvTranspose',
    x: [1, 3, 4, 5],
    w: [3, 5, 1, 1],
    attrs: { strides: [2, 2] },
  },
  {
    name: 'ConvTranspose k4 s2 p1, 6->9',
    op: 'ConvTranspose',
    x: [2, 6, 5, 4],
    w: [6, 9, 4, 4],
    attrs: { strides: [2, 2], pads: [1, 1, 1, 1] },
  },
  {
    name: 'ConvTranspose s3 d2 groups 2 + Relu',
    op: 'ConvTranspose',
    x: [1, 4, 4, 3],
    w: [4, 3, 3, 2],
    attrs: { group: 2, dilations: [2, 2], strides: [3, 2], activation: 'Relu' },
  },
  {
    name: 'ConvTranspose 1-D s2 output_padding',
    op: 'ConvTranspose',
    x: [1, 3, 6],
    w: [3, 2, 3],
    attrs: { strides: [2], pads: [1, 0], output_padding: [1] },
  },
];

export async function check(c: Case, i: number) {
  const op = c.op ?? 'Conv';
  const b = new GraphBuilder(`gemm_${i}`, { seed: 40 + i });
  const x = b.input('x', c.x);
  const group = (c.attrs.group as number | undefined) ?? 1;
  const m = op === 'Conv' ? (c.w[0] as number) : (c.w[1] as number) * group;
  b.output(b.op(op, [x, b.param('w', c.w), b.param('b', [m])], c.attrs));
  const k = c.w.slice(op === 'Conv' ? 1 : 2).reduce((a, d) => a * d, op === 'Conv' ? 1 : (c.w[0] as number));
  return expectMatchesRef(b.build(), { atol: 1e-5 * k, rtol: 1e-4 }, i + 1);
}
