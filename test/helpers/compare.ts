import { expect } from 'vitest';
import { outputError } from '../../src/engine/output-error.js';
import type { Tensor } from '../../src/engine/tensor.js';

export interface Tolerance {
  /** Absolute tolerance. */
  atol: number;
  /** Relative tolerance (times |expected|). */
  rtol: number;
}

/** Worst element-wise error of `actual` against `expected`, after checking dtype and dims. */
export function maxError(actual: Tensor, expected: Tensor): { abs: number; rel: number; index: number } {
  let abs = 0;
  let rel = 0;
  let index = -1;
  for (let i = 0; i < expected.size; i++) {
    const a = actual.get(i);
    const e = expected.get(i);
    const d =
      Number.isNaN(a) !== Number.isNaN(e) ? Number.POSITIVE_INFINITY : Number.isNaN(a) ? 0 : Math.abs(a - e);
    if (d > abs) {
      abs = d;
      index = i;
    }
    rel = Math.max(rel, d / Math.max(Math.abs(e), 1e-30));
  }
  return { abs, rel, index };
}

/** Asserts same dtype, same dims and |a - e| <= atol + rtol * |e| everywhere (NaN must match NaN, ±inf itself). */
export function expectClose(actual: Tensor, expected: Tensor, tol: Tolerance, label = ''): void {
  const where = label ? `${label}: ` : '';
  expect(actual.dtype, `${where}dtype`).toBe(expected.dtype);
  expect([...actual.dims], `${where}dims`).toEqual([...expected.dims]);
  for (let i = 0; i < expected.size; i++) {
    const a = actual.get(i);
    const e = expected.get(i);
    // NaN matches NaN; equal values (infinities included) match at any tolerance.
    if ((Number.isNaN(e) && Number.isNaN(a)) || a === e) continue;
    const limit = tol.atol + tol.rtol * Math.abs(e);
    if (!(Math.abs(a - e) <= limit)) {
      const { abs } = maxError(actual, expected);
      expect.fail(
        `${where}element ${i}: got ${a}, expected ${e} (|diff| ${Math.abs(a - e)} > ${limit}); max abs error ${abs}`,
      );
    }
  }
}

/** Relative error of the whole tensor: ||a - e||_inf / ||e||_inf (outputError) — the "relative error". */
export function relativeError(actual: Tensor, expected: Tensor): number {
  expect([...actual.dims], 'dims').toEqual([...expected.dims]);
  return outputError(numbers(actual), numbers(expected)).rel;
}

function numbers(t: Tensor): ArrayLike<number> {
  if (t.data instanceof BigInt64Array) return Float64Array.from(t.data, Number);
  return t.data;
}
