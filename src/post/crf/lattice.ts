import type { KernelFeatures } from './inputs.js';
import type { PairwiseMessage } from './meanfield.js';

/**
 * A permutohedral lattice (Adams, Baek & Davis 2010) over N points in d dims, built as
 * Krähenbühl's densecrf does: each point is elevated to the d-plane of R^{d+1}, its enclosing
 * simplex found (remainder-0 point + rank), and it splats onto the d+1 vertices with barycentric
 * weights. Lattice points are numbered 1..M; row 0 of every value buffer stays zero and stands
 * for "no neighbour".
 */
export interface Lattice {
  pixels: number;
  /** d + 1: vertices per point and blur directions. */
  d1: number;
  /** Number of lattice points M. */
  points: number;
  /** N x (d+1) lattice point of each vertex (1-based). */
  offsets: Int32Array;
  /** N x (d+1) barycentric weights. */
  weights: Float32Array;
  /** (d+1) x M x 2: the two neighbours of each point along each direction (1-based, 0 = none). */
  neighbors: Int32Array;
  /** Slice scale of densecrf, 1 / (1 + 2^−d). */
  alpha: number;
}

/** Open-addressing table from d-int keys to 1-based point ids; grows at half load. */
class KeyTable {
  keys: Int32Array;
  size = 0;
  private table: Int32Array;
  private mask: number;
  constructor(
    private readonly d: number,
    expected: number,
  ) {
    let cap = 1024;
    while (cap < expected * 2) cap *= 2;
    this.table = new Int32Array(cap);
    this.mask = cap - 1;
    this.keys = new Int32Array(Math.max(16, expected) * d);
  }

  private hash(key: Int32Array, at: number): number {
    let h = 0;
    for (let k = 0; k < this.d; k++) h = Math.imul(h + (key[at + k] as number), 2531011);
    h ^= h >>> 15;
    h = Math.imul(h, 0x2c1b3c6d);
    return (h ^ (h >>> 12)) & this.mask;
  }

  private same(id: number, key: Int32Array, at: number): boolean {
    const o = (id - 1) * this.d;
    for (let k = 0; k < this.d; k++) if (this.keys[o + k] !== key[at + k]) return false;
    return true;
  }

  /** The id of `key` (d ints at key[at..]), 0 when absent and `insert` is false. */
  find(key: Int32Array, at: number, insert: boolean): number {
    let h = this.hash(key, at);
    for (;;) {
      const id = this.table[h] as number;
      if (id === 0) break;
      if (this.same(id, key, at)) return id;
      h = (h + 1) & this.mask;
    }
    if (!insert) return 0;
    const d = this.d;
    if ((this.size + 1) * d > this.keys.length) {
      const grown = new Int32Array(this.keys.length * 2);
      grown.set(this.keys);
      this.keys = grown;
    }
    this.keys.set(key.subarray(at, at + d), this.size * d);
    this.size++;
    this.table[h] = this.size;
    if (this.size * 2 > this.table.length) this.rehash();
    return this.size;
  }

  private rehash(): void {
    this.table = new Int32Array(this.table.length * 2);
    this.mask = this.table.length - 1;
    for (let id = 1; id <= this.size; id++) {
      let h = this.hash(this.keys, (id - 1) * this.d);
      while (this.table[h] !== 0) h = (h + 1) & this.mask;
      this.table[h] = id;
    }
  }
}

/**
 * The scale of each of the d features before elevation, so the lattice blur approximates a
 * unit-std Gaussian (Adams et al.). assembly/crf_lattice.ts's latticeScale computes the same bits.
 */
export function latticeScales(d: number): Float64Array {
  const scale = new Float64Array(d);
  for (let i = 0; i < d; i++) scale[i] = (1 / Math.sqrt((i + 2) * (i + 1))) * Math.sqrt(2 / 3) * (d + 1);
  return scale;
}

/** Builds the lattice of N points with d features each (features[i * d + k]). */
export function buildLattice(features: Float64Array, n: number, d: number): Lattice {
  const d1 = d + 1;
  const scale = latticeScales(d);
  const elevated = new Float64Array(d1);
  const rem0 = new Int32Array(d1);
  const rank = new Int32Array(d1);
  const bary = new Float64Array(d + 2);
  const key = new Int32Array(d);
  const offsets = new Int32Array(n * d1);
  const weights = new Float32Array(n * d1);
  const table = new KeyTable(d, n);
  const down = 1 / d1;
  for (let p = 0; p < n; p++) {
    let sm = 0;
    for (let j = d; j > 0; j--) {
      const cf = (features[p * d + j - 1] as number) * (scale[j - 1] as number);
      elevated[j] = sm - j * cf;
      sm += cf;
    }
    elevated[0] = sm;
    // Nearest remainder-0 lattice point, then the rank of each coordinate's differential.
    let sum = 0;
    for (let i = 0; i <= d; i++) {
      const e = elevated[i] as number;
      const v = down * e;
      const up = Math.ceil(v) * d1;
      const dn = Math.floor(v) * d1;
      rem0[i] = up - e < e - dn ? up : dn;
      sum += rem0[i] as number;
    }
    sum = Math.round(sum * down);
    rank.fill(0);
    for (let i = 0; i < d; i++) {
      const di = (elevated[i] as number) - (rem0[i] as number);
      for (let j = i + 1; j <= d; j++) {
        if (di < (elevated[j] as number) - (rem0[j] as number)) rank[i]++;
        else rank[j]++;
      }
    }
    if (sum > 0) {
      for (let i = 0; i <= d; i++) {
        if ((rank[i] as number) >= d1 - sum) {
          rem0[i] = (rem0[i] as number) - d1;
          rank[i] = (rank[i] as number) + sum - d1;
        } else rank[i] = (rank[i] as number) + sum;
      }
    } else if (sum < 0) {
      for (let i = 0; i <= d; i++) {
        if ((rank[i] as number) < -sum) {
          rem0[i] = (rem0[i] as number) + d1;
          rank[i] = (rank[i] as number) + d1 + sum;
        } else rank[i] = (rank[i] as number) + sum;
      }
    }
    bary.fill(0);
    for (let i = 0; i <= d; i++) {
      const v = ((elevated[i] as number) - (rem0[i] as number)) * down;
      const r = rank[i] as number;
      bary[d - r] = (bary[d - r] as number) + v;
      bary[d1 - r] = (bary[d1 - r] as number) - v;
    }
    bary[0] = (bary[0] as number) + 1 + (bary[d1] as number);
    // Vertex r of the simplex: rem0 + the canonical simplex's r-th point, permuted by rank.
    for (let r = 0; r <= d; r++) {
      for (let i = 0; i < d; i++) {
        const ri = rank[i] as number;
        key[i] = (rem0[i] as number) + (ri <= d - r ? r : r - d1);
      }
      offsets[p * d1 + r] = table.find(key, 0, true);
      weights[p * d1 + r] = bary[r] as number;
    }
  }
  const m = table.size;
  const neighbors = new Int32Array(d1 * m * 2);
  const n1 = new Int32Array(d1);
  const n2 = new Int32Array(d1);
  for (let j = 0; j <= d; j++) {
    for (let i = 0; i < m; i++) {
      for (let k = 0; k < d; k++) {
        const v = table.keys[i * d + k] as number;
        n1[k] = v - 1;
        n2[k] = v + 1;
      }
      if (j < d) {
        n1[j] = (table.keys[i * d + j] as number) + d;
        n2[j] = (table.keys[i * d + j] as number) - d;
      }
      neighbors[(j * m + i) * 2] = table.find(n1, 0, false);
      neighbors[(j * m + i) * 2 + 1] = table.find(n2, 0, false);
    }
  }
  return { pixels: n, d1, points: m, offsets, weights, neighbors, alpha: 1 / (1 + 2 ** -d) };
}

/**
 * out[i] (+)= scale · alpha · slice(blur(splat(inScale[i] · in[i]))) over `c` interleaved values
 * per point; `out` is accumulated into with per-point factor outScale[i] · scale.
 * Buffers `a` and `b` hold (M + 1) x c floats.
 */
export function latticeFilter(
  lat: Lattice,
  input: Float64Array | Float32Array,
  c: number,
  inScale: Float32Array | undefined,
  out: Float64Array | Float32Array,
  outScale: Float32Array | undefined,
  scale: number,
  a: Float32Array,
  b: Float32Array,
): void {
  const { pixels: n, d1, points: m, offsets, weights, neighbors } = lat;
  a.fill(0, 0, (m + 1) * c);
  b.fill(0, 0, c);
  for (let i = 0; i < n; i++) {
    const s = inScale ? (inScale[i] as number) : 1;
    for (let r = 0; r < d1; r++) {
      const o = (offsets[i * d1 + r] as number) * c;
      const w = (weights[i * d1 + r] as number) * s;
      for (let l = 0; l < c; l++) a[o + l] = (a[o + l] as number) + w * (input[i * c + l] as number);
    }
  }
  let src = a;
  let dst = b;
  for (let j = 0; j < d1; j++) {
    for (let i = 1; i <= m; i++) {
      const o = i * c;
      const o1 = (neighbors[(j * m + i - 1) * 2] as number) * c;
      const o2 = (neighbors[(j * m + i - 1) * 2 + 1] as number) * c;
      for (let l = 0; l < c; l++) {
        dst[o + l] = (src[o + l] as number) + 0.5 * ((src[o1 + l] as number) + (src[o2 + l] as number));
      }
    }
    const t = src;
    src = dst;
    dst = t;
  }
  for (let i = 0; i < n; i++) {
    const s = scale * lat.alpha * (outScale ? (outScale[i] as number) : 1);
    for (let l = 0; l < c; l++) {
      let v = 0;
      for (let r = 0; r < d1; r++) {
        v += (weights[i * d1 + r] as number) * (src[(offsets[i * d1 + r] as number) * c + l] as number);
      }
      out[i * c + l] = (out[i * c + l] as number) + s * v;
    }
  }
}

/** Per-kernel lattice and normalization n_k = 1 / sqrt(K_k 1) (filtered through the lattice). */
export interface LatticeKernel {
  lattice: Lattice;
  weight: number;
  norm: Float32Array;
}

export function buildLatticeKernels(kernels: readonly KernelFeatures[], pixels: number): LatticeKernel[] {
  return kernels.map(({ dims, weight, features }) => {
    const lattice = buildLattice(features, pixels, dims);
    const ones = new Float32Array(pixels).fill(1);
    const sums = new Float32Array(pixels);
    const a = new Float32Array(lattice.points + 1);
    const b = new Float32Array(lattice.points + 1);
    latticeFilter(lattice, ones, 1, undefined, sums, undefined, 1, a, b);
    const norm = new Float32Array(pixels);
    for (let i = 0; i < pixels; i++) norm[i] = 1 / Math.sqrt((sums[i] as number) + 1e-20);
    return { lattice, weight, norm };
  });
}

/** Pairwise messages through the lattices, in plain TypeScript (float32 buffers). */
export class LatticePairwise implements PairwiseMessage {
  private readonly a: Float32Array;
  private readonly b: Float32Array;
  constructor(
    readonly kernels: readonly LatticeKernel[],
    readonly classes: number,
  ) {
    const m = Math.max(0, ...kernels.map((k) => k.lattice.points));
    this.a = new Float32Array((m + 1) * classes);
    this.b = new Float32Array((m + 1) * classes);
  }

  message(q: Float64Array, out: Float64Array): void {
    out.fill(0);
    for (const k of this.kernels) {
      latticeFilter(k.lattice, q, this.classes, k.norm, out, k.norm, k.weight, this.a, this.b);
    }
  }
}
