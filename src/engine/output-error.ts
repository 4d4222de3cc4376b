import { InputError } from '../errors.js';

/** How far an output is from a reference. */
export interface OutputError {
  /** max |actual − expected| (infinite where that difference is NaN: a NaN on either side, or inf − inf). */
  maxAbs: number;
  /**
   * maxAbs / max |expected|: the relative error the issues and benches quote (infinite when every
   * expected value is 0 and maxAbs is not).
   */
  rel: number;
}

/**
 * The error of `actual` against `expected`, element by element (same length). One definition for
 * the tests, the benches and scripts/device/compare-npy.mjs, so every "relative error" means the same.
 */
export function outputError(actual: ArrayLike<number>, expected: ArrayLike<number>): OutputError {
  if (actual.length !== expected.length)
    throw new InputError(`outputError: ${actual.length} values against ${expected.length} expected`);
  let maxAbs = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i] as number;
    const e = expected[i] as number;
    // A NaN difference is no agreement: the tests fail on it, the benches report it.
    const d = Math.abs(a - e);
    if (Number.isNaN(d)) maxAbs = Infinity;
    if (d > maxAbs) maxAbs = d;
    if (Math.abs(e) > scale) scale = Math.abs(e);
  }
  return { maxAbs, rel: scale > 0 ? maxAbs / scale : maxAbs > 0 ? Infinity : 0 };
}
