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
 * as 1–3 long rows. Returns the last 4 axes' dims and strides (padded at the front to rank 4, the
 * kernels' rank) and, in `outer`, the element offsets (one per stride set) of every index of the
 * axes before them: a rank-4 kernel call each (a 5-D transpose that nothing merges, say).
 */
export function coalesce(
  dims: readonly number[],
  strides: readonly (readonly number[])[],
): { dims: number[]; strides: number[][]; outer: number[][] } {
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
  let outer: number[][] = [strides.map(() => 0)];
  while (d.length > 4) {
    const n = d.shift() as number;
    const step = s.map((st) => st.shift() as number);
    outer = outer.flatMap((o) =>
      Array.from({ length: n }, (_, i) => o.map((v, k) => v + i * (step[k] as number))),
    );
  }
  while (d.length < 4) {
    d.unshift(1);
    for (const st of s) st.unshift(0);
  }
  return { dims: d, strides: s, outer };
}

/**
 * A prepared strided copy (coalesced once): iterates `dims` reading src + sum(i*srcStrides) and
 * writing dst + sum(i*dstStrides). Offsets are in elements.
 */
export function stridedCopy(
  k: Kernels,
  dims: readonly number[],
  srcStrides: readonly number[],
  dstStrides: readonly number[],
): (src: number, dst: number) => void {
  const c = coalesce(dims, [srcStrides, dstStrides]);
  const args = [...c.dims, ...(c.strides[0] as number[]), ...(c.strides[1] as number[])];
  if (count(dims) === 0) return () => {};
  return (src, dst) => {
    for (const [o, p] of c.outer as [number, number][]) k.copyStrided(src + o * 4, dst + p * 4, ...args);
  };
}

/** A copy of `v` into a contiguous buffer laid out as `perm` (same logical dims). */
export function relayout(k: Kernels, v: Val, perm: readonly number[]): (dst: number) => void {
  const src = logicalStrides(v.dims, v.perm);
  const dims = perm.map((a) => v.dims[a] as number);
  const copy = stridedCopy(
    k,
    dims,
    perm.map((a) => src[a] as number),
    rowMajorStrides(dims),
  );
  return (dst) => copy(v.ptr, dst);
}
