import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Tensor } from '../../src/engine/tensor.js';
import { parseNpy } from '../../src/io/npy.js';
import { CRF_PRESETS, type CrfPresetName, denseCrf } from '../../src/post/crf/index.js';
import { agreement, argmax } from './crf-helpers.js';

// An independent oracle: Q from Krähenbühl's densecrf v2 (C++, DenseCRF2D, permutohedral
// lattice, Potts, symmetric normalization) on a 64x48 downscale of the astronaut with 5 noisy
// labels; made by bench/densecrf/make-fixture.ts with bench/densecrf/driver.cpp (-O2 build).
// Our lattice paths follow the same algorithm, so they must agree to float rounding (the
// simplex search runs in f32 there, f64 here; the blur/slice order differs).
// Tolerances: argmax agreement >= 99.9% (at most 3 of 3072 pixels), mean |ΔQ| <= 1e-6,
// max |ΔQ| <= 1e-3. Observed: 100% / ~5e-8 / <= 9e-5 (wasm and ts, both presets). One
// iteration fewer already gives mean |ΔQ| ~5e-4 (checked below), and the exact O(N²) mean field,
// which the lattice only approximates, ~3e-3..8e-3: not compared here.
const ARGMAX_MIN = 0.999;
const MEAN_MAX = 1e-6;
const MAX_MAX = 1e-3;

const dir = new URL('../fixtures/crf-densecrf/', import.meta.url);
const load = (name: string) => parseNpy(new Uint8Array(readFileSync(new URL(name, dir))));
const img = load('image.npy');
const [h, w] = img.dims as [number, number, number];
const raw = load('probs.npy');
const c = raw.dims[0] as number;
const probs = new Tensor('float32', [1, c, h, w], raw.data as Float32Array);
const image = { width: w, height: h, data: img.data as Uint8Array };

function diff(a: Tensor, b: Tensor): { mean: number; max: number } {
  let sum = 0;
  let max = 0;
  for (let i = 0; i < a.data.length; i++) {
    const d = Math.abs((a.data[i] as number) - (b.data[i] as number));
    sum += d;
    max = Math.max(max, d);
  }
  return { mean: sum / a.data.length, max };
}

describe('dense CRF lattice vs densecrf v2 (C++) on a 64x48 astronaut, 5 labels', () => {
  it('fixture shapes: image (48, 64, 3) uint8, probs and Q (5, 48, 64) float32', () => {
    expect([img.dtype, ...img.dims]).toEqual(['uint8', 48, 64, 3]);
    for (const t of [raw, load('q-deeplab-v2.npy'), load('q-densecrf.npy')]) {
      expect([t.dtype, ...t.dims]).toEqual(['float32', 5, 48, 64]);
    }
  });

  for (const preset of ['deeplab-v2', 'densecrf'] as CrfPresetName[]) {
    const ref = load(`q-${preset}.npy`);
    const refTensor = new Tensor('float32', [1, c, h, w], ref.data as Float32Array);
    for (const backend of ['wasm', 'ts'] as const) {
      it(`${preset}, ${backend} lattice: same Q as densecrf`, async () => {
        const q = await denseCrf({ probs, image, params: preset, backend });
        const d = diff(q, refTensor);
        expect(agreement(argmax(q), argmax(refTensor))).toBeGreaterThanOrEqual(ARGMAX_MIN);
        expect(d.mean).toBeLessThanOrEqual(MEAN_MAX);
        expect(d.max).toBeLessThanOrEqual(MAX_MAX);
      });
    }
    it(`${preset}: one iteration fewer is far outside the tolerances (they can fail)`, async () => {
      const params = { ...CRF_PRESETS[preset], iterations: CRF_PRESETS[preset].iterations - 1 };
      const q = await denseCrf({ probs, image, params, backend: 'wasm' });
      const d = diff(q, refTensor);
      expect(d.mean).toBeGreaterThan(100 * MEAN_MAX);
      expect(d.max).toBeGreaterThan(10 * MAX_MAX);
    });
  }
});
