import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Tensor } from '../../src/engine/tensor.js';
import { InputError } from '../../src/errors.js';
import { parseNpy } from '../../src/io/npy.js';
import {
  CRF_PRESETS,
  crfPairwise,
  crfProblem,
  denseCrf,
  meanField,
  meanFieldEnergy,
} from '../../src/post/crf/index.js';
import { resolveCrfParams } from '../../src/post/crf/params.js';
import { colourProbs, meanAbsDiff, synthetic } from './crf-helpers.js';

// Fixtures from scripts/crf-oracle.py: an independent numpy implementation (dense kernel matrices,
// float64) of the model in issue 6 on a 6x8 image with 3 classes.
function fixture(name: string): Tensor {
  return parseNpy(new Uint8Array(readFileSync(new URL(`../fixtures/crf/${name}.npy`, import.meta.url))));
}
const img = fixture('image');
const image = { height: img.dims[0] as number, width: img.dims[1] as number, data: img.data as Uint8Array };

describe('denseCrf exact vs the numpy oracle', () => {
  for (const preset of Object.keys(CRF_PRESETS) as (keyof typeof CRF_PRESETS)[]) {
    it(`${preset}: mean |ΔQ| <= 1e-4 (probabilities, one pixel clipped at 1e-5)`, async () => {
      const q = await denseCrf({ probs: fixture('probs'), image, params: preset, method: 'exact' });
      const ref = fixture(`q-${preset}`);
      expect(q.dims).toEqual([1, 3, 6, 8]);
      expect(meanAbsDiff(q, ref)).toBeLessThan(1e-4);
      // float32 output of a float64 computation: far tighter than the bound.
      expect(meanAbsDiff(q, ref)).toBeLessThan(1e-6);
      // The CRF changed something (the test would pass trivially if Q stayed at the input).
      expect(meanAbsDiff(fixture('probs'), ref)).toBeGreaterThan(1e-2);
    });
  }
  it('logits: ψ = −log softmax(logits), (C, H, W) accepted', async () => {
    const l = fixture('logits');
    const q = await denseCrf({ logits: l.reshape(l.dims.slice(1)), image, method: 'exact' });
    expect(meanAbsDiff(q, fixture('q-logits-deeplab-v2'))).toBeLessThan(1e-6);
  });
  it('0 iterations returns softmax(−ψ), i.e. the clipped input', async () => {
    const p = fixture('probs');
    const q = await denseCrf({ probs: p, image, params: { iterations: 0 }, method: 'exact' });
    expect(meanAbsDiff(q, p)).toBeLessThan(1e-5);
  });
});

describe('mean-field energy (KL up to a constant) over iterations', () => {
  const { image: syn } = synthetic(24, 3);
  const probs = colourProbs(syn, 4, 9);
  for (const preset of Object.keys(CRF_PRESETS) as (keyof typeof CRF_PRESETS)[]) {
    it(`${preset}: exact is non-increasing, lattice nearly so`, () => {
      const p = crfProblem({ probs, image: syn });
      const params = resolveCrfParams(preset);
      for (const method of ['exact', 'lattice'] as const) {
        const pw = crfPairwise(p, params, method);
        const e: number[] = [meanFieldEnergy(meanField(p.unary, 4, pw, 0), p.unary, pw)];
        meanField(p.unary, 4, pw, params.iterations, (_, q) => e.push(meanFieldEnergy(q, p.unary, pw)));
        // Exact: monotone up to rounding; lattice: its kernel is only nearly PSD, allow 0.1% of |E|.
        const slack = method === 'exact' ? 1e-9 * Math.abs(e[0] as number) : 1e-3 * Math.abs(e[0] as number);
        for (let i = 1; i < e.length; i++)
          expect(e[i] as number).toBeLessThanOrEqual((e[i - 1] as number) + slack);
        expect(e.at(-1) as number).toBeLessThan((e[0] as number) - 1);
      }
    });
  }
});

describe('denseCrf input checks', () => {
  const probs = fixture('probs');
  const expectInput = async (f: () => Promise<unknown>, re: RegExp) => {
    const e = await f().then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(InputError);
    expect((e as Error).message).toMatch(re);
  };
  it('image / probability size mismatch', async () => {
    const small = { width: 7, height: 6, data: new Uint8Array(7 * 6 * 3) };
    await expectInput(() => denseCrf({ probs, image: small }), /image is 7x6 but the probabilities are 8x6/);
  });
  it('negative probabilities', async () => {
    const bad = new Tensor('float32', probs.dims, Float32Array.from(probs.data as Float32Array));
    bad.data[5] = -0.1;
    await expectInput(
      () => denseCrf({ probs: bad, image }),
      /must be >= 0.*class 0 at \(y 0, x 5\) is -0\.1/,
    );
  });
  it('probabilities that do not sum to 1', async () => {
    const bad = new Tensor(
      'float32',
      probs.dims,
      Float32Array.from(probs.data as Float32Array, (v) => v * 1.01),
    );
    await expectInput(() => denseCrf({ probs: bad, image }), /sum to 1 .*pixel \(y 0, x 0\) sums to 1\.01/);
  });
  it('sums are checked block by block: a bad pixel past the first 4096 is named', async () => {
    const w = 97;
    const h = 50;
    const n = w * h;
    const p = new Tensor('float32', [1, 2, h, w], new Float32Array(2 * n).fill(0.5));
    const big = { width: w, height: h, data: new Uint8Array(n * 3) };
    await expect(denseCrf({ probs: p, image: big, params: { iterations: 0 } })).resolves.toBeDefined();
    const at = 4096 + 3 * w + 7;
    p.data[n + at] = 0.52;
    await expectInput(
      () => denseCrf({ probs: p, image: big }),
      new RegExp(`pixel \\(y ${Math.floor(at / w)}, x ${at % w}\\) sums to 1\\.02`),
    );
    p.data[n + at] = 0.5;
    p.data[at + 1] = Number.NaN;
    await expectInput(
      () => denseCrf({ probs: p, image: big }),
      new RegExp(`class 0 at \\(y ${Math.floor((at + 1) / w)}, x ${(at + 1) % w}\\) is NaN`),
    );
  });
  it('wrong ranks and dtypes, both or neither input', async () => {
    await expectInput(
      () => denseCrf({ probs: probs.reshape([3, 48]), image }),
      /\(1, C, H, W\) or \(C, H, W\)/,
    );
    await expectInput(
      () => denseCrf({ probs: probs.reshape([1, 1, 3, 6, 8]), image }),
      /got \[1, 1, 3, 6, 8\]/,
    );
    const ints = new Tensor('int32', [3, 6, 8]);
    await expectInput(() => denseCrf({ probs: ints, image }), /float32 or float64, got int32/);
    await expectInput(() => denseCrf({ probs, logits: probs, image }), /exactly one of probs or logits/);
    await expectInput(() => denseCrf({ image }), /exactly one of probs or logits/);
  });
  it('bad parameters and unknown presets', async () => {
    await expectInput(() => denseCrf({ probs, image, params: { biRgbStd: 0 } }), /biRgbStd must be > 0/);
    await expectInput(() => denseCrf({ probs, image, params: { iterations: 1.5 } }), /iterations/);
    await expectInput(
      () => denseCrf({ probs, image, params: 'nope' as 'densecrf' }),
      /unknown CRF preset 'nope'; presets: deeplab-v2, deeplab-v1, densecrf/,
    );
  });
  it('the exact path refuses more than 4096 pixels and points to the lattice', async () => {
    const big = { width: 65, height: 64, data: new Uint8Array(65 * 64 * 3) };
    const p = new Tensor('float32', [1, 1, 64, 65], new Float32Array(65 * 64).fill(1));
    await expectInput(() => denseCrf({ probs: p, image: big, method: 'exact' }), /4096 pixels.*lattice/);
  });
});

describe('denseCrf out: Q written into a caller-owned tensor', () => {
  const probs = fixture('probs');
  for (const backend of ['wasm', 'ts'] as const) {
    it(`${backend}: the same Q as a fresh tensor, in the tensor passed, call after call`, async () => {
      const fresh = await denseCrf({ probs, image, backend });
      const out = new Tensor('float32', [1, 3, 6, 8], new Float32Array(3 * 48).fill(Number.NaN));
      for (let call = 0; call < 2; call++) {
        const q = await denseCrf({ probs, image, backend, out });
        expect(q).toBe(out);
        expect(Array.from(out.data)).toEqual(Array.from(fresh.data));
      }
      const chw = new Tensor('float32', [3, 6, 8]);
      expect((await denseCrf({ probs, image, backend, out: chw })).data).toEqual(fresh.data);
    });
  }
  it('a wrong shape or dtype is an InputError that names both', async () => {
    const wrong = [new Tensor('float32', [1, 3, 8, 6]), new Tensor('float64', [1, 3, 6, 8])];
    for (const out of wrong) {
      const e = await denseCrf({ probs, image, out: out as Tensor<'float32'> }).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(InputError);
      expect((e as Error).message).toMatch(/out must be a float32 tensor of shape \(1, 3, 6, 8\)/);
    }
  });
});
