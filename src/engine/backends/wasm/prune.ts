import { Tensor } from '../../tensor.js';
import type { Axis2d } from '../ref/kernels/conv.js';

/**
 * The first and last kernel taps of an axis that land inside the input for at least one output
 * (undefined when all do). Large dilations on small maps (DeepLab's ASPP, rates 12–36 on a 8×10
 * map) leave only the centre tap: the others would multiply padding zeros for every output.
 */
function liveTaps(a: Axis2d): [number, number] | undefined {
  let first = -1;
  let last = -1;
  for (let t = 0; t < a.k; t++) {
    const lo = t * a.dilation - a.padBegin; // input index of output 0
    const o = lo >= 0 ? 0 : Math.ceil(-lo / a.stride); // first output at or past input 0
    if (o < a.out && lo + o * a.stride < a.inSize) {
      if (first < 0) first = t;
      last = t;
    }
  }
  if (first < 0 || (first === 0 && last === a.k - 1)) return undefined;
  return [first, last];
}

/** The axis restricted to taps [first, last]: same outputs, pads moved with the first tap. */
function restrict(a: Axis2d, [first, last]: [number, number]): Axis2d {
  return {
    ...a,
    k: last - first + 1,
    padBegin: a.padBegin - first * a.dilation,
    padEnd: a.padEnd - (a.k - 1 - last) * a.dilation,
  };
}

/**
 * Drops the kernel rows/columns that only ever read padding (their products are exact zeros, so
 * the sums are unchanged) and returns the smaller convolution: a dilated 3×3 whose outer taps all
 * fall outside the map becomes a 1×1 (a GEMM), a 3×1 or a smaller Winograd-free window.
 */
export function pruneTaps(
  w: Tensor,
  h: Axis2d,
  wa: Axis2d,
  rank: number,
): { w: Tensor; h: Axis2d; wa: Axis2d } {
  const lh = rank === 4 ? liveTaps(h) : undefined;
  const lw = liveTaps(wa);
  if (!lh && !lw) return { w, h, wa };
  const [h0, h1] = lh ?? [0, h.k - 1];
  const [w0, w1] = lw ?? [0, wa.k - 1];
  const kh = h1 - h0 + 1;
  const kw = w1 - w0 + 1;
  const [M, Cg] = w.dims as [number, number];
  const src = w.data as Float32Array;
  const out = new Float32Array(M * Cg * kh * kw);
  for (let mc = 0; mc < M * Cg; mc++) {
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        out[(mc * kh + i) * kw + j] = src[(mc * h.k + h0 + i) * wa.k + w0 + j] as number;
      }
    }
  }
  const dims = rank === 4 ? [M, Cg, kh, kw] : [M, Cg, kw];
  return {
    w: new Tensor('float32', dims, out),
    h: lh ? restrict(h, lh) : h,
    wa: lw ? restrict(wa, lw) : wa,
  };
}
