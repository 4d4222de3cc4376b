// Dense-CRF lattice construction, once per image: hashing the pixels' simplex vertices, the blur
// neighbours, the splat lists (CSR) and the normalization. Same algorithm and ids as
// src/post/crf/lattice.ts. All pointers are byte offsets the caller laid out in module memory.

/**
 * The CSR transpose of the pixels' simplices: for lattice point p (1..m) the entries
 * start[p] .. start[p + 1] list the pixels `pix` splatting onto it (in pixel order) and their
 * barycentric weights `bw`. `start` has m + 2 i32; `cursor` is scratch of m + 2 i32.
 */
export function crfBuildSplat(
  n: i32,
  d1: i32,
  m: i32,
  offsets: usize,
  weights: usize,
  start: usize,
  cursor: usize,
  pix: usize,
  bw: usize,
): void {
  const total = n * d1;
  memory.fill(start, 0, <usize>(m + 2) << 2);
  for (let e = 0; e < total; e++) {
    const at = start + (<usize>(load<i32>(offsets + (<usize>e << 2)) + 1) << 2);
    store<i32>(at, load<i32>(at) + 1);
  }
  // start[p + 1] counted point p's entries; prefix sums make start[p] its first entry.
  let run = 0;
  for (let p = 0; p <= m + 1; p++) {
    run += load<i32>(start + (<usize>p << 2));
    store<i32>(start + (<usize>p << 2), run);
  }
  memory.copy(cursor, start, <usize>(m + 2) << 2);
  for (let i = 0; i < n; i++) {
    for (let r = 0; r < d1; r++) {
      const e = <usize>(i * d1 + r) << 2;
      const at = cursor + (<usize>load<i32>(offsets + e) << 2);
      const k = load<i32>(at);
      store<i32>(at, k + 1);
      store<i32>(pix + (<usize>k << 2), i);
      store<f32>(bw + (<usize>k << 2), load<f32>(weights + e));
    }
  }
}

/**
 * The symmetric normalization n(i) = 1 / sqrt(alpha · slice(blur(splat(1)))) of one lattice
 * (scalar: one value per point), into `norm`; `a`, `b` hold m + 1 f32 with a[0] = b[0] = 0.
 */
export function crfLatticeNorm(
  n: i32,
  d1: i32,
  m: i32,
  offsets: usize,
  weights: usize,
  start: usize,
  bw: usize,
  neighbors: usize,
  alpha: f32,
  a: usize,
  b: usize,
  norm: usize,
): void {
  for (let p = 1; p <= m; p++) {
    let s: f32 = 0;
    const end = load<i32>(start + (<usize>(p + 1) << 2));
    for (let e = load<i32>(start + (<usize>p << 2)); e < end; e++) s += load<f32>(bw + (<usize>e << 2));
    store<f32>(a + (<usize>p << 2), s);
  }
  let src = a;
  let dst = b;
  for (let j = 0; j < d1; j++) {
    const nb = neighbors + ((<usize>j * <usize>m) << 3);
    for (let i = 1; i <= m; i++) {
      const e = nb + (<usize>(i - 1) << 3);
      const v =
        load<f32>(src + (<usize>i << 2)) +
        <f32>0.5 * (load<f32>(src + (<usize>load<i32>(e) << 2)) + load<f32>(src + (<usize>load<i32>(e, 4) << 2)));
      store<f32>(dst + (<usize>i << 2), v);
    }
    const t = src;
    src = dst;
    dst = t;
  }
  for (let i = 0; i < n; i++) {
    let v: f32 = 0;
    for (let r = 0; r < d1; r++) {
      const idx = <usize>(i * d1 + r) << 2;
      v += load<f32>(weights + idx) * load<f32>(src + (<usize>load<i32>(offsets + idx) << 2));
    }
    store<f32>(norm + (<usize>i << 2), <f32>1 / Mathf.sqrt(alpha * v + <f32>1e-20));
  }
}

/**
 * Folds the normalization into the weights: splat weights sw[e] = bw[e] · norm[pix[e]] (in place
 * over `bw`), slice weights sl[i, r] = scale · norm[i] · weights[i, r].
 */
export function crfScaleWeights(
  n: i32,
  d1: i32,
  norm: usize,
  pix: usize,
  bw: usize,
  weights: usize,
  scale: f32,
  sl: usize,
): void {
  const total = n * d1;
  for (let e = 0; e < total; e++) {
    const at = bw + (<usize>e << 2);
    store<f32>(at, load<f32>(at) * load<f32>(norm + (<usize>load<i32>(pix + (<usize>e << 2)) << 2)));
  }
  for (let i = 0; i < n; i++) {
    const s = scale * load<f32>(norm + (<usize>i << 2));
    for (let r = 0; r < d1; r++) {
      const idx = <usize>(i * d1 + r) << 2;
      store<f32>(sl + idx, s * load<f32>(weights + idx));
    }
  }
}

// ---- Lattice construction (the same algorithm and insertion order as buildLattice in
// src/post/crf/lattice.ts, so ids, weights and neighbours come out identical). ----

// Table slots hold id | tag << idBits: the tag is the top bits of the key's hash, so a probe
// reads the keys array only when the tags match (most probes of other keys read no key). idBits
// fits the largest possible id (n · (d + 1)); with no room left (huge n) the tag is empty.

// @ts-ignore: decorator
@inline
function keyHash(keys: usize, d: i32): i32 {
  let h: i32 = 0;
  for (let k = 0; k < d; k++) h = (h + load<i32>(keys + (<usize>k << 2))) * 2531011;
  h ^= <i32>(<u32>h >>> 15);
  h = h * 0x2c1b3c6d;
  return h ^ <i32>(<u32>h >>> 12);
}

/** The mask of the table after the last crfBuildLattice (it doubles at half load). */
let tableMask: i32 = 0;
/** Bits of a slot's id (the rest of the 31 hold the tag); set by crfBuildLattice. */
let idBits: i32 = 31;

export function crfTableMask(): i32 {
  return tableMask;
}

// @ts-ignore: decorator
@inline
function slotTag(h: i32): i32 {
  return idBits >= 31 ? 0 : <i32>(<u32>h >>> <u32>(idBits + 1)) << idBits;
}

/** Re-inserts ids 1..size into a table of twice the slots (the caller reserved room for it). */
function keyRehash(d: i32, table: usize, keys: usize, size: i32): void {
  tableMask = tableMask * 2 + 1;
  memory.fill(table, 0, <usize>(tableMask + 1) << 2);
  const kb = <usize>d << 2;
  for (let id = 1; id <= size; id++) {
    const h = keyHash(keys + <usize>(id - 1) * kb, d);
    let s = h & tableMask;
    while (load<i32>(table + (<usize>s << 2)) != 0) s = (s + 1) & tableMask;
    store<i32>(table + (<usize>s << 2), id | slotTag(h));
  }
}

/**
 * The 1-based id of the d-int key at `key`, inserting it when `insert` (0 when absent otherwise).
 * `table` has `tableMask + 1` i32 slots (0 = empty; id | tag), `keys` the inserted keys in id
 * order, `size` at `sizePtr`.
 */
// @ts-ignore: decorator
@inline
function keyFind(key: usize, d: i32, table: usize, keys: usize, sizePtr: usize, insert: bool): i32 {
  const mask = tableMask;
  const h = keyHash(key, d);
  const tag = slotTag(h);
  const idMask = idBits >= 31 ? 0x7fffffff : (1 << idBits) - 1;
  let s = h & mask;
  const kb = <usize>d << 2;
  for (;;) {
    const v = load<i32>(table + (<usize>s << 2));
    if (v == 0) break;
    if ((v & ~idMask) == tag) {
      const id = v & idMask;
      const at = keys + <usize>(id - 1) * kb;
      let same = true;
      for (let k = 0; k < d; k++) {
        if (load<i32>(at + (<usize>k << 2)) != load<i32>(key + (<usize>k << 2))) {
          same = false;
          break;
        }
      }
      if (same) return id;
    }
    s = (s + 1) & mask;
  }
  if (!insert) return 0;
  const size = load<i32>(sizePtr) + 1;
  store<i32>(sizePtr, size);
  memory.copy(keys + <usize>(size - 1) * kb, key, kb);
  store<i32>(table + (<usize>s << 2), size | tag);
  if (size * 2 > mask + 1) keyRehash(d, table, keys, size);
  return size;
}

/** The scale of each elevated coordinate into `scale` (d f64). */
function latticeScale(d: i32, scale: usize): void {
  for (let i = 0; i < d; i++) {
    store<f64>(scale + (<usize>i << 3), (1 / Math.sqrt(<f64>((i + 2) * (i + 1)))) * Math.sqrt(2.0 / 3.0) * <f64>(d + 1));
  }
}

/**
 * Point p's enclosing simplex: writes its d + 1 barycentric weights (f32) to `weights` and leaves
 * rem0 / rank in scratch (simplexKey makes vertex r's key from them). `scratch` as crfBuildLattice's
 * (latticeScale already in its first d f64).
 */
// @ts-ignore: decorator
@inline
function simplex(p: i32, d: i32, features: usize, weights: usize, scratch: usize): void {
  const d1 = d + 1;
  const stride = <usize>(d + 2) << 3;
  const scale = scratch;
  const elevated = scratch + stride;
  const bary = scratch + 2 * stride;
  const rem0 = scratch + 3 * stride; // i32
  const rank = scratch + 4 * stride; // i32
  const down = 1.0 / <f64>d1;
  const f = features + ((<usize>p * <usize>d) << 3);
  let sm: f64 = 0;
  for (let j = d; j > 0; j--) {
    const cf = load<f64>(f + (<usize>(j - 1) << 3)) * load<f64>(scale + (<usize>(j - 1) << 3));
    store<f64>(elevated + (<usize>j << 3), sm - <f64>j * cf);
    sm += cf;
  }
  store<f64>(elevated, sm);
  let sum: i32 = 0;
  for (let i = 0; i <= d; i++) {
    const e = load<f64>(elevated + (<usize>i << 3));
    const v = down * e;
    const up = Math.ceil(v) * <f64>d1;
    const dn = Math.floor(v) * <f64>d1;
    const r0 = <i32>(up - e < e - dn ? up : dn);
    store<i32>(rem0 + (<usize>i << 2), r0);
    sum += r0;
    store<i32>(rank + (<usize>i << 2), 0);
  }
  sum = sum / d1;
  for (let i = 0; i < d; i++) {
    const di = load<f64>(elevated + (<usize>i << 3)) - <f64>load<i32>(rem0 + (<usize>i << 2));
    for (let j = i + 1; j <= d; j++) {
      const dj = load<f64>(elevated + (<usize>j << 3)) - <f64>load<i32>(rem0 + (<usize>j << 2));
      const at = rank + (<usize>(di < dj ? i : j) << 2);
      store<i32>(at, load<i32>(at) + 1);
    }
  }
  if (sum != 0) {
    for (let i = 0; i <= d; i++) {
      const ri = load<i32>(rank + (<usize>i << 2));
      const r0 = load<i32>(rem0 + (<usize>i << 2));
      if (sum > 0 && ri >= d1 - sum) {
        store<i32>(rem0 + (<usize>i << 2), r0 - d1);
        store<i32>(rank + (<usize>i << 2), ri + sum - d1);
      } else if (sum < 0 && ri < -sum) {
        store<i32>(rem0 + (<usize>i << 2), r0 + d1);
        store<i32>(rank + (<usize>i << 2), ri + d1 + sum);
      } else store<i32>(rank + (<usize>i << 2), ri + sum);
    }
  }
  memory.fill(bary, 0, <usize>(d + 2) << 3);
  for (let i = 0; i <= d; i++) {
    const v = (load<f64>(elevated + (<usize>i << 3)) - <f64>load<i32>(rem0 + (<usize>i << 2))) * down;
    const r = load<i32>(rank + (<usize>i << 2));
    const a = bary + (<usize>(d - r) << 3);
    const b = bary + (<usize>(d1 - r) << 3);
    store<f64>(a, load<f64>(a) + v);
    store<f64>(b, load<f64>(b) - v);
  }
  store<f64>(bary, load<f64>(bary) + 1 + load<f64>(bary + (<usize>d1 << 3)));
  for (let r = 0; r <= d; r++) {
    store<f32>(weights + (<usize>(p * d1 + r) << 2), <f32>load<f64>(bary + (<usize>r << 3)));
  }
}

/** Coordinate i of vertex r's key: rem0_i + (rank_i <= d − r ? r : r − d − 1). */
// @ts-ignore: decorator
@inline
function vertexCoord(rem0: i32, rank: i32, r: i32, d: i32): i32 {
  return rem0 + (rank <= d - r ? r : r - d - 1);
}

/** Vertex r's key (d i32) of the simplex simplex() left in `scratch`, to `key`. */
// @ts-ignore: decorator
@inline
function simplexKey(r: i32, d: i32, scratch: usize, key: usize): void {
  const stride = <usize>(d + 2) << 3;
  const rem0 = scratch + 3 * stride;
  const rank = scratch + 4 * stride;
  for (let i = 0; i < d; i++) {
    const ri = load<i32>(rank + (<usize>i << 2));
    store<i32>(key + (<usize>i << 2), vertexCoord(load<i32>(rem0 + (<usize>i << 2)), ri, r, d));
  }
}

// ---- Dense key index of a d = 2 lattice (the positional kernel: features (x, y) / σ). ----
// Its keys (k0, k1) (k2 = −k0 − k1) fill a small 2-D range, so a table over that range replaces
// the hash: the same inserts in the same order, so the same ids. Every key of a lattice point has
// k0 ≡ k1 (mod 3), so q = k0 − k1 = 3s; and p = k0 + k1 ≡ q (mod 2), so for a given s the p of
// its keys share a parity and p >> 1 tells them apart: cell s · wp + (p − plo) >> 1 (plo even).
// With features (x, y) / σ, q ≈ 2·√3·x/σ and p ≈ 2·y/σ: about one cell per lattice point.
// The caller asks for it with DENSE_ASK at the info block's DENSE_MODE and the table's room (i32
// slots) at DENSE_ROOM; the build answers in DENSE_MODE: DENSE_USED (box at DENSE_AT: plo, qlo,
// wp, ws) or 0 (the hash: d ≠ 2, or a box larger than the room).

const DENSE_MODE: usize = 12;
const DENSE_AT: usize = 80;
const DENSE_ROOM: usize = 96;
const DENSE_ASK: i32 = 1;
const DENSE_USED: i32 = 2;
/** |key_i − elevated_i| ≤ 3 · d1, so p, q are within 18 of 2·cf1, 2·cf0 (cf = feature · scale). */
const DENSE_PAD: f64 = 24;

/** The box of p in [plo, phi], q in [qlo, qhi] to `box`; its cells, or 0 if it exceeds `room`. */
function denseBox(plo: f64, phi: f64, qlo: f64, qhi: f64, room: i32, box: usize): i32 {
  const p0 = Math.floor(plo / 2) * 2;
  const q0 = Math.floor(qlo / 3) * 3;
  // (NaN fails every test: the hash then.)
  if (!(p0 > -1e9 && phi < 1e9 && q0 > -1e9 && qhi < 1e9)) return 0;
  const wp = Math.floor((phi - p0) / 2) + 1;
  const ws = Math.floor((qhi - q0) / 3) + 1;
  if (!(wp * ws <= <f64>room)) return 0;
  store<i32>(box, <i32>p0);
  store<i32>(box, <i32>q0, 4);
  store<i32>(box, <i32>wp, 8);
  store<i32>(box, <i32>ws, 12);
  return <i32>(wp * ws);
}

/** The cell of key (k0, k1) in the dense box at `box` (plo, qlo, wp, ws), or −1 outside it. */
// @ts-ignore: decorator
@inline
function denseCell(k0: i32, k1: i32, box: usize): i32 {
  const pp = k0 + k1 - load<i32>(box);
  const qq = k0 - k1 - load<i32>(box, 4);
  const wp = load<i32>(box, 8);
  const s = qq / 3;
  if (qq < 0 || <u32>pp >= <u32>(wp << 1) || s >= load<i32>(box, 12)) return -1;
  return s * wp + (pp >> 1);
}

/**
 * The 1-based id of key (k0, k1) in the dense table, inserting it when absent (ids in insertion
 * order, as keyFind); 0 when the key is outside the box.
 */
// @ts-ignore: decorator
@inline
function denseInsert(k0: i32, k1: i32, box: usize, table: usize, keys: usize, sizePtr: usize): i32 {
  const cell = denseCell(k0, k1, box);
  if (cell < 0) return 0;
  const at = table + (<usize>cell << 2);
  const id = load<i32>(at);
  if (id != 0) return id;
  const size = load<i32>(sizePtr) + 1;
  store<i32>(sizePtr, size);
  const kk = keys + (<usize>(size - 1) << 3);
  store<i32>(kk, k0);
  store<i32>(kk, k1, 4);
  store<i32>(at, size);
  return size;
}

/**
 * simplex() for d = 2 in straight-line code (the same f64 operations in the same order, so the
 * same weights and keys): writes point p's 3 weights and leaves rem0 and rank of its first two
 * coordinates at `vertex` (4 i32: rem0_0, rem0_1, rank_0, rank_1). `scratch` as simplex()'s
 * (latticeScale in its first 2 f64; bytes 16..48 are used here).
 */
// @ts-ignore: decorator
@inline
function simplex2(p: i32, features: usize, weights: usize, scratch: usize, vertex: usize): void {
  const down = 1.0 / 3.0;
  const f = features + (<usize>p << 4);
  const cf1 = load<f64>(f, 8) * load<f64>(scratch, 8);
  const e2 = 0.0 - 2.0 * cf1;
  const sm = 0.0 + cf1;
  const cf0 = load<f64>(f) * load<f64>(scratch);
  const e1 = sm - 1.0 * cf0;
  const e0 = sm + cf0;
  let r0 = nearest3(e0, down);
  let r1 = nearest3(e1, down);
  let r2 = nearest3(e2, down);
  const sum = (r0 + r1 + r2) / 3;
  let k0 = 0;
  let k1 = 0;
  let k2 = 0;
  const x0 = e0 - <f64>r0;
  const x1 = e1 - <f64>r1;
  const x2 = e2 - <f64>r2;
  if (x0 < x1) k0++;
  else k1++;
  if (x0 < x2) k0++;
  else k2++;
  if (x1 < x2) k1++;
  else k2++;
  if (sum > 0) {
    if (k0 >= 3 - sum) {
      r0 -= 3;
      k0 += sum - 3;
    } else k0 += sum;
    if (k1 >= 3 - sum) {
      r1 -= 3;
      k1 += sum - 3;
    } else k1 += sum;
    if (k2 >= 3 - sum) {
      r2 -= 3;
      k2 += sum - 3;
    } else k2 += sum;
  } else if (sum < 0) {
    if (k0 < -sum) {
      r0 += 3;
      k0 += 3 + sum;
    } else k0 += sum;
    if (k1 < -sum) {
      r1 += 3;
      k1 += 3 + sum;
    } else k1 += sum;
    if (k2 < -sum) {
      r2 += 3;
      k2 += 3 + sum;
    } else k2 += sum;
  }
  // The barycentric sums in memory, in simplex()'s order (its signed zeros included).
  const bary = scratch + 16;
  v128.store(bary, f64x2.splat(0));
  v128.store(bary, f64x2.splat(0), 16);
  baryAdd(bary, k0, (e0 - <f64>r0) * down);
  baryAdd(bary, k1, (e1 - <f64>r1) * down);
  baryAdd(bary, k2, (e2 - <f64>r2) * down);
  const w = weights + (<usize>(p * 3) << 2);
  store<f32>(w, <f32>(load<f64>(bary) + 1 + load<f64>(bary, 24)));
  store<f32>(w, <f32>load<f64>(bary, 8), 4);
  store<f32>(w, <f32>load<f64>(bary, 16), 8);
  store<i32>(vertex, r0);
  store<i32>(vertex, r1, 4);
  store<i32>(vertex, k0, 8);
  store<i32>(vertex, k1, 12);
}

/** simplex()'s remainder-0 rounding of one elevated coordinate (d = 2: multiples of 3). */
// @ts-ignore: decorator
@inline
function nearest3(e: f64, down: f64): i32 {
  const v = down * e;
  const up = Math.ceil(v) * 3.0;
  const dn = Math.floor(v) * 3.0;
  return <i32>(up - e < e - dn ? up : dn);
}

/** simplex()'s barycentric step for d = 2: bary[2 − rank] += v, bary[3 − rank] −= v. */
// @ts-ignore: decorator
@inline
function baryAdd(bary: usize, rank: i32, v: f64): void {
  const a = bary + (<usize>(2 - rank) << 3);
  store<f64>(a, load<f64>(a) + v);
  store<f64>(a, load<f64>(a, 8) - v, 8);
}

/**
 * crfBuildLattice of d = 2 on the dense table, its box from the features' bounds: m to `out` and
 * true; false (the table to be zeroed again) when the box exceeds the room or a key falls outside
 * it (DENSE_PAD too small: not expected).
 */
function buildDense(n: i32, features: usize, offsets: usize, weights: usize, table: usize, keys: usize, scratch: usize, out: usize): bool {
  const d = 2;
  latticeScale(d, scratch);
  let lo0 = Infinity;
  let hi0 = -Infinity;
  let lo1 = Infinity;
  let hi1 = -Infinity;
  for (let i = 0; i < n; i++) {
    const f0 = load<f64>(features + (<usize>i << 4));
    const f1 = load<f64>(features + (<usize>i << 4), 8);
    lo0 = Math.min(lo0, f0);
    hi0 = Math.max(hi0, f0);
    lo1 = Math.min(lo1, f1);
    hi1 = Math.max(hi1, f1);
  }
  const s0 = 2 * load<f64>(scratch);
  const s1 = 2 * load<f64>(scratch, 8);
  const box = out + DENSE_AT;
  const cells = denseBox(s1 * lo1 - DENSE_PAD, s1 * hi1 + DENSE_PAD, s0 * lo0 - DENSE_PAD, s0 * hi0 + DENSE_PAD, load<i32>(out + DENSE_ROOM), box);
  if (cells == 0) return false;
  memory.fill(table, 0, <usize>cells << 2);
  const sizePtr = scratch + 6 * (<usize>(d + 2) << 3);
  const vertex = scratch + 5 * (<usize>(d + 2) << 3);
  store<i32>(sizePtr, 0);
  for (let p = 0; p < n; p++) {
    simplex2(p, features, weights, scratch, vertex);
    const r0 = load<i32>(vertex);
    const r1 = load<i32>(vertex, 4);
    const k0 = load<i32>(vertex, 8);
    const k1 = load<i32>(vertex, 12);
    for (let r = 0; r <= 2; r++) {
      const id = denseInsert(vertexCoord(r0, k0, r, 2), vertexCoord(r1, k1, r, 2), box, table, keys, sizePtr);
      if (id == 0) return false;
      store<i32>(offsets + (<usize>(p * 3 + r) << 2), id);
    }
  }
  store<i32>(out, load<i32>(sizePtr));
  store<i32>(out + DENSE_MODE, DENSE_USED);
  return true;
}

/** crfInsertKeys of d = 2 on the dense table, its box from the keys' bounds; false as buildDense. */
function insertDense(n: i32, vkeys: usize, offsets: usize, table: usize, keys: usize, sizePtr: usize, out: usize): bool {
  const total = n * 3;
  let plo = i32.MAX_VALUE;
  let phi = i32.MIN_VALUE;
  let qlo = i32.MAX_VALUE;
  let qhi = i32.MIN_VALUE;
  for (let e = 0; e < total; e++) {
    const k0 = load<i32>(vkeys + (<usize>e << 3));
    const k1 = load<i32>(vkeys + (<usize>e << 3), 4);
    plo = min(plo, k0 + k1);
    phi = max(phi, k0 + k1);
    qlo = min(qlo, k0 - k1);
    qhi = max(qhi, k0 - k1);
  }
  const box = out + DENSE_AT;
  const cells = denseBox(<f64>plo, <f64>phi, <f64>qlo, <f64>qhi, load<i32>(out + DENSE_ROOM), box);
  if (cells == 0) return false;
  memory.fill(table, 0, <usize>cells << 2);
  store<i32>(sizePtr, 0);
  for (let e = 0; e < total; e++) {
    const key = vkeys + (<usize>e << 3);
    const id = denseInsert(load<i32>(key), load<i32>(key, 4), box, table, keys, sizePtr);
    if (id == 0) return false;
    store<i32>(offsets + (<usize>e << 2), id);
  }
  store<i32>(out, load<i32>(sizePtr));
  store<i32>(out + DENSE_MODE, DENSE_USED);
  return true;
}

/**
 * Elevates n points of d f64 features, finds each enclosing simplex and writes its d + 1 vertex
 * ids (offsets, i32) and barycentric weights (f32). `table` must have at least 2·n·(d+1) slots
 * (power of two) reserved, of which the first `mask + 1` are zeroed (the table doubles within the
 * reserve at half load; crfTableMask() gives the final mask), and `keys` room for n·(d+1) keys.
 * `scratch` holds 64 bytes · (d + 2) of working space. Returns the number of lattice points.
 */
export function crfBuildLattice(
  n: i32,
  d: i32,
  features: usize,
  offsets: usize,
  weights: usize,
  table: usize,
  mask: i32,
  keys: usize,
  scratch: usize,
): i32 {
  const d1 = d + 1;
  const stride = <usize>(d + 2) << 3;
  const key = scratch + 5 * stride; // i32
  const sizePtr = scratch + 6 * stride;
  store<i32>(sizePtr, 0);
  tableMask = mask;
  idBits = 32 - clz<i32>(n * d1);
  latticeScale(d, scratch);
  for (let p = 0; p < n; p++) {
    simplex(p, d, features, weights, scratch);
    for (let r = 0; r <= d; r++) {
      simplexKey(r, d, scratch, key);
      store<i32>(offsets + (<usize>(p * d1 + r) << 2), keyFind(key, d, table, keys, sizePtr, true));
    }
  }
  return load<i32>(sizePtr);
}

/**
 * The simplices of points p0 .. p1 − 1 without the hashing (a task of a parallel region: points
 * are independent): weights as crfBuildLattice, and each vertex's key (d i32) to `vkeys` at
 * (p · (d + 1) + r) · d. crfInsertKeys then numbers the keys in the same order as crfBuildLattice.
 */
export function crfLatticeKeys(p0: i32, p1: i32, d: i32, features: usize, weights: usize, vkeys: usize, scratch: usize): void {
  const d1 = d + 1;
  latticeScale(d, scratch);
  if (d == 2) {
    const vertex = scratch + 5 * (<usize>(d + 2) << 3);
    for (let p = p0; p < p1; p++) {
      simplex2(p, features, weights, scratch, vertex);
      const k0 = load<i32>(vertex, 8);
      const k1 = load<i32>(vertex, 12);
      for (let r = 0; r <= 2; r++) {
        const key = vkeys + (<usize>(p * 3 + r) << 3);
        store<i32>(key, vertexCoord(load<i32>(vertex), k0, r, 2));
        store<i32>(key, vertexCoord(load<i32>(vertex, 4), k1, r, 2), 4);
      }
    }
    return;
  }
  for (let p = p0; p < p1; p++) {
    simplex(p, d, features, weights, scratch);
    for (let r = 0; r <= d; r++) simplexKey(r, d, scratch, vkeys + ((<usize>(p * d1 + r) * <usize>d) << 2));
  }
}

/**
 * The hashing half of crfBuildLattice over crfLatticeKeys' `vkeys` (n · (d + 1) keys, in
 * crfBuildLattice's order, so the same ids): offsets, table and keys as crfBuildLattice; m, the
 * final mask and idBits to `out` as crfBuildLatticeTask. `scratch`: 64 bytes · (d + 2).
 */
export function crfInsertKeys(
  n: i32,
  d: i32,
  vkeys: usize,
  offsets: usize,
  table: usize,
  mask: i32,
  keys: usize,
  scratch: usize,
  out: usize,
): void {
  const sizePtr = scratch;
  store<i32>(sizePtr, 0);
  const total = n * (d + 1);
  if (load<i32>(out + DENSE_MODE) == DENSE_ASK) {
    if (d == 2 && insertDense(n, vkeys, offsets, table, keys, sizePtr, out)) return;
    hashInstead(out, table, mask);
    store<i32>(sizePtr, 0);
  }
  tableMask = mask;
  idBits = 32 - clz<i32>(n * (d + 1));
  for (let e = 0; e < total; e++) {
    const key = vkeys + ((<usize>e * <usize>d) << 2);
    store<i32>(offsets + (<usize>e << 2), keyFind(key, d, table, keys, sizePtr, true));
  }
  writeHashInfo(out, load<i32>(sizePtr));
}

/** The dense table did not take the lattice: say so in the info block, zero the hash's first mask + 1 slots again. */
function hashInstead(out: usize, table: usize, mask: i32): void {
  store<i32>(out + DENSE_MODE, 0);
  memory.fill(table, 0, <usize>(mask + 1) << 2);
}

/** A hashed build's m, final table mask and idBits to the info block `out` (for crfBuildNeighborsRange). */
function writeHashInfo(out: usize, m: i32): void {
  store<i32>(out, m);
  store<i32>(out, tableMask, 4);
  store<i32>(out, idBits, 8);
}

/** keyHash's mix of the linear part (h = Σ_k key[k] · 2531011^(d − k), wrapping). */
// @ts-ignore: decorator
@inline
function hashMix(h: i32): i32 {
  h ^= <i32>(<u32>h >>> 15);
  h = h * 0x2c1b3c6d;
  return h ^ <i32>(<u32>h >>> 12);
}

/**
 * The two blur neighbours of each of the m points along each of the d + 1 directions (0 = none).
 * Only the "+" neighbour is looked up: if k = i + v_j then i = k − v_j, which fills k's "−" entry,
 * halving the hash lookups. keyHash is linear before its mix, so the hash of k + v_j is the mix
 * of (k's linear part + v_j's): one linear part per point, and the neighbour key is compared as
 * k + v_j on the fly (no key built); same table walk as keyFind, so the same ids. `neighbors` must
 * be zeroed; `mask` is crfTableMask(); the table is the one the last crfBuildLattice filled (its
 * slot tags). Returns the largest |neighbour id − id| (the wavefront blur's lag).
 */
export function crfBuildNeighbors(m: i32, d: i32, table: usize, mask: i32, keys: usize, neighbors: usize, scratch: usize): i32 {
  return neighborsRange(0, m, m, d, table, mask, keys, neighbors, scratch);
}

/**
 * crfBuildLattice as a task of a parallel region (a worker's return value is lost, and its
 * instance has its own tableMask / idBits): writes m, the final table mask and idBits to `out`
 * (3 i32) for crfBuildNeighborsRange.
 */
export function crfBuildLatticeTask(
  n: i32,
  d: i32,
  features: usize,
  offsets: usize,
  weights: usize,
  table: usize,
  mask: i32,
  keys: usize,
  scratch: usize,
  out: usize,
): void {
  if (load<i32>(out + DENSE_MODE) == DENSE_ASK) {
    if (d == 2 && buildDense(n, features, offsets, weights, table, keys, scratch, out)) return;
    hashInstead(out, table, mask);
  }
  writeHashInfo(out, crfBuildLattice(n, d, features, offsets, weights, table, mask, keys, scratch));
}

/**
 * crfBuildNeighbors over the points i0 .. i1 − 1 (a task of a parallel region): every "+" entry
 * of the range and the "−" entry of the point it finds are written exactly once whatever the
 * split (k = i + v_j has one i), so ranges may run on different threads with the same result.
 * `info` is crfBuildLatticeTask's out (the table's mask and idBits); the range's largest
 * |neighbour id − id| goes to `lagOut` (i32). `scratch`: (d + 1) i32 of this task's own.
 */
export function crfBuildNeighborsRange(
  i0: i32,
  i1: i32,
  m: i32,
  d: i32,
  table: usize,
  info: usize,
  keys: usize,
  neighbors: usize,
  scratch: usize,
  lagOut: usize,
): void {
  if (load<i32>(info + DENSE_MODE) == DENSE_USED) {
    store<i32>(lagOut, denseNeighbors(i0, i1, m, table, info + DENSE_AT, keys, neighbors));
    return;
  }
  idBits = load<i32>(info, 8);
  store<i32>(lagOut, neighborsRange(i0, i1, m, d, table, load<i32>(info, 4), keys, neighbors, scratch));
}

// @ts-ignore: decorator
@inline
function neighborsRange(
  i0: i32,
  i1: i32,
  m: i32,
  d: i32,
  table: usize,
  mask: i32,
  keys: usize,
  neighbors: usize,
  scratch: usize,
): i32 {
  let lag = 0;
  const kb = <usize>d << 2;
  const idMask = idBits >= 31 ? 0x7fffffff : (1 << idBits) - 1;
  // scratch: the linear hash part of each direction's step v_j (−1 everywhere, +d at j < d).
  for (let j = 0; j <= d; j++) {
    let h: i32 = 0;
    for (let k = 0; k < d; k++) h = (h + (k == j ? d : -1)) * 2531011;
    store<i32>(scratch + (<usize>j << 2), h);
  }
  for (let i = i0; i < i1; i++) {
    const kk = keys + <usize>i * kb;
    let hl: i32 = 0;
    for (let k = 0; k < d; k++) hl = (hl + load<i32>(kk + (<usize>k << 2))) * 2531011;
    for (let j = 0; j <= d; j++) {
      const h = hashMix(hl + load<i32>(scratch + (<usize>j << 2)));
      const tag = slotTag(h);
      let sl = h & mask;
      let id = 0;
      for (;;) {
        const v = load<i32>(table + (<usize>sl << 2));
        if (v == 0) break;
        if ((v & ~idMask) == tag) {
          const at = keys + <usize>((v & idMask) - 1) * kb;
          let same = true;
          for (let k = 0; k < d; k++) {
            const want = load<i32>(kk + (<usize>k << 2)) + (k == j ? d : -1);
            if (load<i32>(at + (<usize>k << 2)) != want) {
              same = false;
              break;
            }
          }
          if (same) {
            id = v & idMask;
            break;
          }
        }
        sl = (sl + 1) & mask;
      }
      if (id != 0) lag = linkNeighbors(neighbors, m, j, i, id, lag);
    }
  }
  return lag;
}

/**
 * Point i (0-based) found its "+" neighbour `id` (1-based) along direction j: writes that entry and,
 * by symmetry, the neighbour's "−" entry (i + 1); returns `lag` raised to their id distance.
 */
// @ts-ignore: decorator
@inline
function linkNeighbors(neighbors: usize, m: i32, j: i32, i: i32, id: i32, lag: i32): i32 {
  const nj = neighbors + ((<usize>j * <usize>m) << 3);
  store<i32>(nj + (<usize>i << 3), id);
  store<i32>(nj + (<usize>(id - 1) << 3), i + 1, 4);
  const dist = id > i + 1 ? id - i - 1 : i + 1 - id;
  return dist > lag ? dist : lag;
}

/**
 * neighborsRange over the dense table of a d = 2 lattice (box: plo, qlo, wp, ws): the "+" neighbour
 * k + v_j of each point looked up by its cell (absent: outside the box or an empty cell), its "−"
 * entry filled by symmetry, as neighborsRange. Returns the range's largest |neighbour id − id|.
 */
function denseNeighbors(i0: i32, i1: i32, m: i32, table: usize, box: usize, keys: usize, neighbors: usize): i32 {
  let lag = 0;
  for (let i = i0; i < i1; i++) {
    const k0 = load<i32>(keys + (<usize>i << 3));
    const k1 = load<i32>(keys + (<usize>i << 3), 4);
    for (let j = 0; j <= 2; j++) {
      // v_j: −1 everywhere, +2 at j (j < 2).
      const cell = denseCell(k0 + (j == 0 ? 2 : -1), k1 + (j == 1 ? 2 : -1), box);
      if (cell < 0) continue;
      const id = load<i32>(table + (<usize>cell << 2));
      if (id != 0) lag = linkNeighbors(neighbors, m, j, i, id, lag);
    }
  }
  return lag;
}
