import { InputError } from '../errors.js';

/** How far an output is from a reference. */
export interface OutputError {
  /** max |actual − expected| (infinite where one side is NaN and the other is not). */
  maxAbs: number;
  /**
   * maxAbs / max |expected|: the relative error the issues and benches quote (maxAbs itself when
   * every expected value is 0).
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
    // Equal values (infinities included) and NaN against NaN agree; NaN against a number does not.
    const d =
      a === e || (Number.isNaN(a) && Number.isNaN(e)) ? 0 : Number.isNaN(a - e) ? Infinity : Math.abs(a - e);
    if (d > maxAbs) maxAbs = d;
    if (Math.abs(e) > scale) scale = Math.abs(e);
  }
  return { maxAbs, rel: scale > 0 ? maxAbs / scale : maxAbs };
}
