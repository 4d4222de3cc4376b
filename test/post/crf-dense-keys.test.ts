import { afterEach, describe, expect, it } from 'vitest';
import { buildLattice } from '../../src/post/crf/lattice.js';
import {
  buildCrfLatticesWasm,
  buildLatticeWasm,
  lastCrfKeyIndex,
  latticeMeanFieldWasm,
  setCrfDenseKeys,
} from '../../src/post/crf/wasm.js';
import { Rng } from '../../src/util/random.js';
import { astronautCrop } from './crf-helpers.js';

/** (x, y) / σ of a w x h raster, pixel-major. */
function positions(w: number, h: number, sigma: number): Float64Array {
  const f = new Float64Array(w * h * 2);
  for (let i = 0; i < w * h; i++) {
    f[2 * i] = (i % w) / sigma;
    f[2 * i + 1] = Math.floor(i / w) / sigma;
  }
  return f;
}

// The d = 2 lattice's keys index a dense table over their 2-D box instead of the hash: the same
// inserts in the same order, so the same ids, weights and neighbours as the TS buildLattice and
// as the hash build (bit for bit), on one thread (features' bounds) and on threads (keys' bounds).
describe('dense key table of the d = 2 lattice', () => {
  afterEach(() => setCrfDenseKeys());
  const rng = new Rng(11);
  const cases: [string, Float64Array, number][] = [
    ['positions σ = 1, 37x29', positions(37, 29, 1), 37 * 29],
    ['positions σ = 3, 64x48', positions(64, 48, 3), 64 * 48],
    ['positions σ = 0.7, 20x33', positions(20, 33, 0.7), 20 * 33],
    ['uniform(-40, 25)', Float64Array.from({ length: 1500 * 2 }, () => rng.uniform(-40, 25)), 1500],
    ['one point', new Float64Array([-3.3, 7.9]), 1],
    ['a narrow strip', Float64Array.from({ length: 800 * 2 }, (_, i) => (i % 2 ? 0.01 * i : -2)), 800],
  ];
  for (const [name, features, n] of cases) {
    it(`${name}: the dense build equals buildLattice and the hash build`, async () => {
      const ts = buildLattice(features, n, 2);
      const dense = await buildLatticeWasm(features, n, 2);
      expect(lastCrfKeyIndex()).toEqual(['dense']);
      setCrfDenseKeys(false);
      const hash = await buildLatticeWasm(features, n, 2);
      expect(lastCrfKeyIndex()).toEqual(['hash']);
      for (const l of [dense, hash]) {
        expect(l.points).toBe(ts.points);
        expect(l.offsets).toEqual(ts.offsets);
        expect(l.weights).toEqual(ts.weights);
        expect(l.neighbors).toEqual(ts.neighbors);
      }
    });
  }

  it('falls back to the hash when the box does not fit the table (far-apart points)', async () => {
    const features = Float64Array.from({ length: 600 * 2 }, (_, i) => (i < 2 ? 1e6 : rng.uniform(0, 5)));
    const wasm = await buildLatticeWasm(features, 600, 2);
    expect(lastCrfKeyIndex()).toEqual(['hash']);
    const ts = buildLattice(features, 600, 2);
    expect(wasm.offsets).toEqual(ts.offsets);
    expect(wasm.neighbors).toEqual(ts.neighbors);
  });

  it('threads (keys first, then inserts) give the same arrays as one thread and the hash', async () => {
    const image = astronautCrop(40, 220, 72);
    const n = 72 * 72;
    const rgb = Float64Array.from({ length: n * 5 }, (_, i) => {
      const [p, k] = [Math.floor(i / 5), i % 5];
      return k < 2 ? (k ? Math.floor(p / 72) : p % 72) / 67 : (image.data[p * 3 + k - 2] as number) / 3;
    });
    const kernels = [
      { dims: 2, weight: 3, features: positions(72, 72, 1) },
      { dims: 5, weight: 4, features: rgb },
    ];
    const builds = [];
    for (const [dense, threads] of [
      [true, 1],
      [true, 2],
      [false, 1],
    ] as const) {
      setCrfDenseKeys(dense);
      builds.push(await buildCrfLatticesWasm(kernels, n, { threads }));
      expect(lastCrfKeyIndex()).toEqual([dense ? 'dense' : 'hash', 'hash']);
    }
    const [one, two, hash] = builds;
    for (const other of [two, hash]) {
      for (const [i, l] of (other ?? []).entries()) {
        const ref = one?.[i] as NonNullable<typeof one>[number];
        expect(l.m).toBe(ref.m);
        for (const key of ['offsets', 'slice', 'start', 'pix', 'splat', 'neighbors'] as const) {
          expect(Buffer.compare(new Uint8Array(ref[key].buffer), new Uint8Array(l[key].buffer)), key).toBe(0);
        }
      }
    }
  });

  it('the mean field gives the hash build Q bit for bit', async () => {
    const n = 48 * 40;
    const c = 5;
    const unary = Float64Array.from({ length: n * c }, () => rng.uniform(0, 3));
    const kernels = [{ dims: 2, weight: 3, features: positions(48, 40, 1) }];
    const dense = await latticeMeanFieldWasm(unary, c, kernels, 5);
    expect(lastCrfKeyIndex()).toEqual(['dense']);
    setCrfDenseKeys(false);
    const hash = await latticeMeanFieldWasm(unary, c, kernels, 5);
    expect(Buffer.compare(new Uint8Array(dense.q.buffer), new Uint8Array(hash.q.buffer))).toBe(0);
  });
});
