import { intAttr } from '../../../../graph/attrs.js';
import type { Node } from '../../../../graph/ir.js';
import { poolShape } from '../../../ops/pool.js';
import { type Axis2d, axes2d } from '../../ref/kernels/conv.js';
import { count, type Lowering, type Step, WebGpuUnsupportedError, WG } from '../types.js';
import { Uniforms } from '../uniforms.js';
import { requireFloat32 } from './common.js';

function poolStep(node: Node, mode: number, planes: number, hA: Axis2d, wA: Axis2d): Step[] {
  const [x = ''] = node.inputs;
  const y = node.outputs[0] as string;
  const n = planes * hA.out * wA.out;
  return [
    {
      kind: 'dispatch',
      stem: 'pool',
      overrides: { MODE: mode },
      uniforms: new Uniforms()
        .u(
          n,
          hA.inSize,
          wA.inSize,
          hA.out,
          wA.out,
          hA.k,
          wA.k,
          hA.stride,
          wA.stride,
          hA.dilation,
          wA.dilation,
        )
        .i(hA.padBegin, wA.padBegin, hA.padEnd, wA.padEnd)
        .u(0)
        .bytes(),
      bindings: [
        { kind: 'value', name: x },
        { kind: 'value', name: y },
      ],
      invocations: n,
    },
  ];
}

function windowed(mode: (node: Node) => number): Lowering {
  return (node, ctx) => {
    if (node.outputs[1]) throw new WebGpuUnsupportedError(node, 'the MaxPool Indices output');
    const x = node.inputs[0] as string;
    requireFloat32(node, ctx, [x]);
    const xd = ctx.dims(x);
    const { window, ceilMode } = poolShape(node, xd);
    const [hA, wA] = axes2d(window, xd.slice(2), ceilMode);
    return poolStep(node, mode(node), count(xd.slice(0, 2)), hA, wA);
  };
}

export const MaxPool = windowed(() => 0);
export const AveragePool = windowed((node) => (intAttr(node, 'count_include_pad', 0) !== 0 ? 1 : 2));

/**
 * Mean over all spatial axes. A GPU gets global_average_pool.wgsl (a workgroup of WG invocations
 * per plane); a software adapter pool.wgsl with one window covering the (flattened) plane.
 */
export const GlobalAveragePool: Lowering = (node, ctx) => {
  const x = node.inputs[0] as string;
  requireFloat32(node, ctx, [x]);
  const xd = ctx.dims(x);
  const inner = count(xd.slice(2));
  const planes = count(xd.slice(0, 2));
  if (!ctx.software) {
    return [
      {
        kind: 'dispatch',
        stem: 'global_average_pool',
        overrides: {},
        uniforms: new Uniforms().u(planes, inner, 0, 0).bytes(),
        bindings: [
          { kind: 'value', name: x },
          { kind: 'value', name: node.outputs[0] as string },
        ],
        invocations: planes * WG,
      },
    ];
  }
  const unit: Axis2d = { inSize: 1, out: 1, k: 1, stride: 1, dilation: 1, padBegin: 0, padEnd: 0 };
  const wA: Axis2d = { ...unit, inSize: inner, k: inner };
  return poolStep(node, 2, planes, unit, wA);
};
