// The one-thread WASM CRF kernels against their plain forms: the SIMD unaries (crfUnary) against
// the f64 formulas of inputs.ts, the wavefront blur (crfBlurDir with dirs > 1) against one pass
// per direction, and the 24-lane update against the generic (class-chunk) path.
import { describe, expect, it } from 'vitest';
import { Tensor } from '../../src/engine/tensor.js';
import { denseCrf } from '../../src/post/crf/index.js';
import { buildLatticeWasm, setCrfChunkLanes, waveRingBytes } from '../../src/post/crf/wasm.js';
import { crfWasm } from '../../src/post/crf/wasm-module.js';
import { Rng } from '../../src/util/random.js';
import { astronautCrop, colourProbs } from './crf-helpers.js';

describe('crfUnary (4 pixels at a time in f32 SIMD, the last n % 4 in f64)', () => {
  for (const kind of ['probs', 'logits'] as const) {
    it(`${kind}: within 2e-6 (+1e-6 relative) of the f64 formula; tail pixels exact; padding 0`, async () => {
      const { wasm, mem } = await crfWasm();
      const rng = new Rng(kind === 'probs' ? 3 : 4);
      const n = 4 * 37 + 3;
      const c = 21;
      const cp = 24;
      // Probabilities down to below the 1e-5 clip (and above 1), or logits over ±30.
      const scores = Float32Array.from({ length: c * n }, () =>
        kind === 'probs' ? 10 ** rng.uniform(-6.5, 0.01) : rng.uniform(-30, 30),
      );
      const mark = mem.mark();
      try {
        const at = mem.alloc(c * n * 4);
        const out = mem.alloc(cp * n * 4);
        new Float32Array(mem.memory.buffer, at, c * n).set(scores);
        new Float32Array(mem.memory.buffer, out, cp * n).fill(Number.NaN);
        wasm.crfUnary(n, c, cp, at, kind === 'logits' ? 1 : 0, out);
        const u = new Float32Array(mem.memory.buffer, out, cp * n);
        let worst = 0;
        for (let i = 0; i < n; i++) {
          const s = (l: number) => scores[l * n + i] as number;
          let lse = -Infinity;
          if (kind === 'logits') {
            let mx = -Infinity;
            for (let l = 0; l < c; l++) mx = Math.max(mx, s(l));
            let sum = 0;
            for (let l = 0; l < c; l++) sum += Math.exp(s(l) - mx);
            lse = mx + Math.log(sum);
          }
          for (let l = 0; l < cp; l++) {
            const got = u[i * cp + l] as number;
            if (l >= c) {
              expect(got).toBe(0);
              continue;
            }
            const want = kind === 'probs' ? -Math.log(Math.min(1, Math.max(1e-5, s(l)))) : lse - s(l);
            if (i >= n - 3) expect(got).toBe(Math.fround(want));
            worst = Math.max(worst, Math.abs(got - want) / (2e-6 + 1e-6 * Math.abs(want)));
          }
        }
        expect(worst).toBeLessThanOrEqual(1);
      } finally {
        mem.release(mark);
      }
    });
  }
});

describe('crfBlurDir with dirs > 1: the wavefront gives the splat and the passes bit for bit', () => {
  const cases = [
    { lanes: 24, splat: false },
    { lanes: 8, splat: false },
    { lanes: 24, splat: true },
  ];
  for (const { lanes, splat } of cases) {
    it(`d = 2 lattice of a 70 x 50 grid (the rings wrap), ${lanes} lanes${splat ? ', splat in the wavefront' : ''}`, async () => {
      const w = 70;
      const h = 50;
      const n = w * h;
      const features = new Float64Array(n * 2);
      for (let i = 0; i < n; i++) {
        features[i * 2] = i % w;
        features[i * 2 + 1] = Math.floor(i / w);
      }
      const lat = await buildLatticeWasm(features, n, 2);
      const { d1, points: m, neighbors } = lat;
      let lag = 0;
      for (let j = 0, e = 0; j < d1; j++) {
        for (let i = 1; i <= m; i++, e += 2) {
          for (const nb of [neighbors[e] as number, neighbors[e + 1] as number]) {
            if (nb !== 0) lag = Math.max(lag, Math.abs(nb - i));
          }
        }
      }
      const row = lanes * 4;
      const rings = d1 - 1 + (splat ? 1 : 0);
      const ringBytes = waveRingBytes(lag, rings, row);
      // The rings hold fewer rows than the lattice: the wrap-around is exercised.
      expect(ringBytes / row / rings).toBeLessThan(m);
      const { wasm, mem } = await crfWasm();
      const mark = mem.mark();
      try {
        const rng = new Rng(lanes + (splat ? 1 : 0));
        const buf = () => mem.memory.buffer;
        const values = Float32Array.from({ length: (m + 1) * lanes }, (_, k) =>
          k < lanes ? 0 : rng.uniform(-1, 1),
        );
        const nb = mem.alloc(neighbors.length * 4);
        const a = mem.alloc(values.length * 4);
        const b = mem.alloc(values.length * 4);
        const waveOut = mem.alloc(values.length * 4);
        const ring = mem.alloc(ringBytes);
        new Int32Array(buf(), nb, neighbors.length).set(neighbors);
        new Float32Array(buf(), a, values.length).set(values);
        new Float32Array(buf(), b, values.length).set(values);
        new Float32Array(buf(), waveOut, values.length).fill(Number.NaN);
        new Uint8Array(buf(), ring, ringBytes).fill(0xff);
        new Uint8Array(buf(), ring + ringBytes - row, row).fill(0);
        // The splat's CSR (crfBuildSplat of the lattice's vertices) and a Q of n rows.
        const csr = { start: 0, pix: 0, sw: 0, q: 0 };
        if (splat) {
          const e = n * d1;
          const offsets = mem.alloc(e * 4);
          const weights = mem.alloc(e * 4);
          new Int32Array(buf(), offsets, e).set(lat.offsets);
          new Float32Array(buf(), weights, e).set(lat.weights);
          csr.start = mem.alloc((m + 2) * 4);
          csr.pix = mem.alloc(e * 4);
          csr.sw = mem.alloc(e * 4);
          wasm.crfBuildSplat(n, d1, m, offsets, weights, csr.start, mem.alloc((m + 2) * 4), csr.pix, csr.sw);
          csr.q = mem.alloc(n * row);
          const q = new Float32Array(buf(), csr.q, n * lanes);
          for (let k = 0; k < q.length; k++) q[k] = rng.uniform(0, 1);
          // The wavefront must not read `a`: poison it; the reference splats into b.
          new Float32Array(buf(), a + row, m * lanes).fill(Number.NaN);
          wasm.crfSplat(1, m + 1, lanes, lanes, 0, csr.start, csr.pix, csr.sw, csr.q, b);
        }
        wasm.crfBlurDir(1, m + 1, row, nb, a, waveOut, d1, lag, ring, csr.start, csr.pix, csr.sw, csr.q);
        let src = splat ? b : a;
        let dst = splat ? a : b;
        const input = new Float32Array(buf(), src + row, m * lanes).slice();
        for (let j = 0; j < d1; j++) {
          wasm.crfBlurDir(1, m + 1, row, nb + j * m * 8, src, dst);
          [src, dst] = [dst, src];
        }
        const want = new Float32Array(buf(), src + row, m * lanes);
        const got = new Float32Array(buf(), waveOut + row, m * lanes);
        let differing = 0;
        for (let k = 0; k < want.length; k++) if (!Object.is(want[k], got[k])) differing++;
        expect(differing).toBe(0);
        // The blur did something (not a copy of its input).
        expect(want.some((v, k) => v !== input[k])).toBe(true);
      } finally {
        mem.release(mark);
      }
    });
  }
});

describe('one-thread paths (24-lane update, wavefront blur) vs the generic class-chunk path', () => {
  it('21 classes, 48 x 48: Q bit-identical with 12-lane chunks (generic slice + softmax, passes)', async () => {
    const image = astronautCrop(150, 220, 48);
    const probs = colourProbs(image, 21, 9);
    const whole = await denseCrf({ probs, image, backend: 'wasm' });
    setCrfChunkLanes(12);
    try {
      const chunked = await denseCrf({ probs, image, backend: 'wasm' });
      let differing = 0;
      for (let k = 0; k < whole.data.length; k++) if (whole.data[k] !== chunked.data[k]) differing++;
      expect(differing).toBe(0);
    } finally {
      setCrfChunkLanes();
    }
  });
});

describe('crfScoresClear (the module scan before the unaries) and the exact check behind it', () => {
  /** The scan over (c, n) scores; `edit` changes them first. */
  async function scan(kind: 'probs' | 'logits', n: number, c: number, edit: (s: Float32Array) => void) {
    const { wasm, mem } = await crfWasm();
    const scores = new Float32Array(c * n).fill(kind === 'probs' ? 1 / c : 0.5);
    edit(scores);
    const mark = mem.mark();
    try {
      const at = mem.alloc(c * n * 4);
      new Float32Array(mem.memory.buffer, at, c * n).set(scores);
      const clear = wasm.crfScoresClear as NonNullable<typeof wasm.crfScoresClear>;
      return clear(n, c, at, kind === 'logits' ? 1 : 0, 1e-3, 1e-7 + c * 2.4e-7);
    } finally {
      mem.release(mark);
    }
  }
  it('clear for valid scores; not for a negative, NaN or infinite value or a sum off 1, in the SIMD part and the tail', async () => {
    const n = 4 * 9 + 3;
    expect(await scan('probs', n, 4, () => {})).toBeTruthy();
    expect(await scan('logits', n, 4, () => {})).toBeTruthy();
    for (const at of [5, n - 1]) {
      expect(await scan('probs', n, 4, (s) => (s[n + at] = -0.01))).toBeFalsy();
      expect(await scan('probs', n, 4, (s) => (s[2 * n + at] = Number.NaN))).toBeFalsy();
      expect(await scan('probs', n, 4, (s) => (s[at] = 0.26))).toBeFalsy();
      expect(await scan('logits', n, 4, (s) => (s[3 * n + at] = Number.POSITIVE_INFINITY))).toBeFalsy();
      expect(await scan('logits', n, 4, (s) => (s[at] = Number.NaN))).toBeFalsy();
    }
  });
  it('a sum within float32 error of the tolerance goes to the exact f64 check: passes just inside, fails just outside', async () => {
    const image = { width: 6, height: 2, data: new Uint8Array(36) };
    const make = (total: number) => {
      const t = new Float32Array(2 * 12);
      for (let i = 0; i < 12; i++) {
        t[i] = 0.5;
        t[12 + i] = total - 0.5;
      }
      return { data: t, probs: new Tensor('float32', [1, 2, 2, 6], t) };
    };
    const inside = make(1 + 0.0009995);
    expect(await scan('probs', 12, 2, (s) => s.set(inside.data))).toBeFalsy();
    await expect(denseCrf({ probs: inside.probs, image, params: { iterations: 1 } })).resolves.toBeDefined();
    const outside = make(1 + 0.0010005);
    await expect(denseCrf({ probs: outside.probs, image })).rejects.toThrow(/sum to 1 .*sums to 1\.001/);
  });
});
