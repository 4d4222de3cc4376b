import { UnsupportedAttributeError } from '../../../errors.js';
import type { Node } from '../../../graph/ir.js';
import type { DType } from '../../tensor.js';
import type { Kernels } from './kernels.js';

/**
 * A value in the arena. `perm` is its physical layout: physical axis j holds logical (ONNX) axis
 * perm[j]. Activations of rank 4 are channels-last ([0, 2, 3, 1]); a per-value tag (not a global
 * rule) lets 1-D convolutions, ArgMax and reductions keep the order they produce, and every
 * layout-agnostic op reads any layout through strides.
 */
export interface Val {
  ptr: number;
  dims: readonly number[];
  perm: readonly number[];
  dtype: DType;
}

export function identity(rank: number): number[] {
  return Array.from({ length: rank }, (_, i) => i);
}

/** Channels-last order of an (N, C, spatial...) tensor: [0, 2, ..., rank-1, 1]. */
export function channelsLast(rank: number): number[] {
  return rank >= 3 ? [0, ...identity(rank).slice(2), 1] : identity(rank);
}

/** The default layout of a rank: channels-last for 4-D, row-major otherwise. */
export function defaultPerm(rank: number): number[] {
  return rank === 4 ? channelsLast(4) : identity(rank);
}

export function rowMajorStrides(dims: readonly number[]): number[] {
  const s = new Array<number>(dims.length).fill(1);
  for (let i = dims.length - 2; i >= 0; i--) s[i] = (s[i + 1] as number) * (dims[i + 1] as number);
  return s;
}

/** Element stride of each logical axis in the value's physical layout. */
export function logicalStrides(dims: readonly number[], perm: readonly number[]): number[] {
  const phys = rowMajorStrides(perm.map((a) => dims[a] as number));
  const s = new Array<number>(dims.length).fill(0);
  perm.forEach((a, j) => {
    s[a] = phys[j] as number;
  });
  return s;
}

export function sameOrder(a: readonly number[], b: readonly number[], dims: readonly number[]): boolean {
  // Size-1 axes can sit anywhere: compare the order of the others.
  const big = (p: readonly number[]) => p.filter((x) => (dims[x] as number) !== 1);
  const pa = big(a);
  const pb = big(b);
  return pa.length === pb.length && pa.every((x, i) => x === pb[i]);
}

export const count = (dims: readonly number[]) => dims.reduce((a, b) => a * b, 1);

/**
 * Drops size-1 axes and merges neighbours that are contiguous on every side, so most copies run
 * as 1–3 long rows. Returns dims and strides padded at the front to rank 4 (the kernels' rank).
 */
export function coalesce(
  node: Node,
  dims: readonly number[],
  strides: readonly (readonly number[])[],
): { dims: number[]; strides: number[][] } {
  const d: number[] = [];
  const s: number[][] = strides.map(() => []);
  dims.forEach((n, i) => {
    if (n === 1) return;
    const last = d.length - 1;
    if (last >= 0 && strides.every((st, k) => (s[k]?.[last] as number) === (st[i] as number) * n)) {
      d[last] = (d[last] as number) * n;
      strides.forEach((st, k) => {
        (s[k] as number[])[last] = st[i] as number;
      });
      return;
    }
    d.push(n);
    strides.forEach((st, k) => {
      (s[k] as number[]).push(st[i] as number);
    });
  });
  if (d.length > 4) {
    throw new UnsupportedAttributeError(
      node.name,
      node.op,
      'shape',
      `needs a ${d.length}-axis strided access; the WASM backend handles at most 4 non-mergeable axes`,
    );
  }
  while (d.length < 4) {
    d.unshift(1);
    for (const st of s) st.unshift(0);
  }
  return { dims: d, strides: s };
}

/**
 * A prepared strided copy (coalesced once): iterates `dims` reading src + sum(i*srcStrides) and
 * writing dst + sum(i*dstStrides). Offsets are in elements.
 */
export function stridedCopy(
  k: Kernels,
  node: Node,
  dims: readonly number[],
  srcStrides: readonly number[],
  dstStrides: readonly number[],
): (src: number, dst: number) => void {
  const c = coalesce(node, dims, [srcStrides, dstStrides]);
  const [d0, d1, d2, d3] = c.dims as [number, number, number, number];
  const [s0, s1, s2, s3] = c.strides[0] as [number, number, number, number];
  const [t0, t1, t2, t3] = c.strides[1] as [number, number, number, number];
  if (count(dims) === 0) return () => {};
  return (src, dst) => k.copyStrided(src, dst, d0, d1, d2, d3, s0, s1, s2, s3, t0, t1, t2, t3);
}

/** A copy of `v` into a contiguous buffer laid out as `perm` (same logical dims). */
export function relayout(k: Kernels, node: Node, v: Val, perm: readonly number[]): (dst: number) => void {
  const src = logicalStrides(v.dims, v.perm);
  const dims = perm.map((a) => v.dims[a] as number);
  const copy = stridedCopy(
    k,
    node,
    dims,
    perm.map((a) => src[a] as number),
    rowMajorStrides(dims),
  );
  return (dst) => copy(v.ptr, dst);
}
