import { describe, expect, it } from 'vitest';
import { InputError, outputError } from '../../src/index.js';

describe('outputError', () => {
  it('is max |a - e| over max |e|', () => {
    const e = outputError([1, -4, 2], [1, -3, 2.5]);
    expect(e.maxAbs).toBe(1);
    expect(e.rel).toBeCloseTo(1 / 3, 12);
  });

  it('is zero for equal finite outputs', () => {
    expect(outputError([0, -2.5, 3], [0, -2.5, 3])).toEqual({ maxAbs: 0, rel: 0 });
  });

  it('counts a NaN difference (a NaN on either side, inf - inf) as an infinite error', () => {
    expect(outputError([Number.NaN, 1], [0, 1]).rel).toBe(Infinity);
    expect(outputError([0, 1], [Number.NaN, 1]).maxAbs).toBe(Infinity);
    expect(outputError([Number.NaN, 1], [Number.NaN, 1]).maxAbs).toBe(Infinity);
    expect(outputError([Infinity, 1], [Infinity, 1]).maxAbs).toBe(Infinity);
  });

  it('is infinite where every expected value is 0 and the output is not', () => {
    expect(outputError(new Float32Array([0, 0.5]), new Float32Array(2))).toEqual({
      maxAbs: 0.5,
      rel: Infinity,
    });
    expect(outputError(new Float32Array(2), new Float32Array(2))).toEqual({ maxAbs: 0, rel: 0 });
  });

  it('names a length mismatch', () => {
    expect(() => outputError([1, 2], [1])).toThrow(InputError);
    expect(() => outputError([1, 2], [1])).toThrow(/2 values against 1 expected/);
  });
});
