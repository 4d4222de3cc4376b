import { floatAttr, intAttr } from '../../../../graph/attrs.js';
import type { Node } from '../../../../graph/ir.js';
import { gemmDims } from '../../../ops/gemm.js';
import { matmulShape } from '../../../ops/matmul.js';
import { count, type LowerContext, type Lowering, type Step, WebGpuUnsupportedError } from '../types.js';
import { Uniforms } from '../uniforms.js';
import { fusedAct, requireFloat32 } from './common.js';

interface MatOperands {
  a: string;
  b: string;
  c: string;
  m: number;
  n: number;
  k: number;
  batch: number;
  /** Strides: A batch / row / k, B batch / k / column, C row / column. */
  s: [number, number, number, number, number, number, number, number];
  alpha: number;
  beta: number;
}

function gemmStep(node: Node, ctx: LowerContext, o: MatOperands): Step[] {
  const y = node.outputs[0] as string;
  requireFloat32(node, ctx, [o.a, o.b, o.c]);
  const act = fusedAct(node);
  const n = o.batch * o.m * o.n;
  return [
    {
      kind: 'dispatch',
      stem: 'gemm',
      overrides: { ACT: act.code, HAS_C: o.c !== '' },
      uniforms: new Uniforms()
        .u(n, o.m, o.n, o.k, ...o.s)
        .f(o.alpha, o.beta, act.a0, act.a1)
        .bytes(),
      bindings: [
        { kind: 'value', name: o.a },
        { kind: 'value', name: o.b },
        // Without C the kernel never reads binding 3; A stands in so the layout stays the same.
        { kind: 'value', name: o.c || o.a },
        { kind: 'value', name: y },
      ],
      invocations: n,
    },
  ];
}

export const Gemm: Lowering = (node, ctx) => {
  const [a = '', b = '', c = ''] = node.inputs;
  const ad = ctx.dims(a);
  const bd = ctx.dims(b);
  const cd = c ? ctx.dims(c) : undefined;
  const { m, k, n } = gemmDims(node, ad, bd, cd) as { m: number; k: number; n: number };
  const transA = intAttr(node, 'transA', 0) !== 0;
  const transB = intAttr(node, 'transB', 0) !== 0;
  // C broadcasts to (M, N): a missing or size-1 axis reads stride 0.
  const c2 = cd ? [...new Array<number>(2 - cd.length).fill(1), ...cd] : [1, 1];
  const cm = (c2[0] as number) === 1 ? 0 : (c2[1] as number);
  const cn = (c2[1] as number) === 1 ? 0 : 1;
  return gemmStep(node, ctx, {
    a,
    b,
    c,
    m,
    n,
    k,
    batch: 1,
    s: [0, transA ? 1 : k, transA ? m : 1, 0, transB ? 1 : n, transB ? k : 1, cm, cn],
    alpha: floatAttr(node, 'alpha', 1),
    beta: floatAttr(node, 'beta', 1),
  });
};

export const MatMul: Lowering = (node, ctx) => {
  const [a = '', b = ''] = node.inputs;
  const ad = ctx.dims(a);
  const bd = ctx.dims(b);
  const shape = matmulShape(node, ad, bd);
  const [m, k, n] = [shape.m, shape.k, shape.n] as number[] as [number, number, number];
  const batch = count(shape.batch as number[]);
  const batchStride = (dims: number[], size: number) => {
    const own = count(dims.slice(0, -2));
    if (dims.length <= 2 || own === 1) return 0;
    if (own === batch) return size;
    throw new WebGpuUnsupportedError(
      node,
      `MatMul batch broadcast of [${ad.join(', ')}] x [${bd.join(', ')}]`,
    );
  };
  return gemmStep(node, ctx, {
    a,
    b,
    c: '',
    m,
    n,
    k,
    batch,
    s: [batchStride(ad, m * k), k, 1, batchStride(bd, k * n), n, 1, 0, 0],
    alpha: 1,
    beta: 0,
  });
};
