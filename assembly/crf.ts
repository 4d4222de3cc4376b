// Dense-CRF mean field on a permutohedral lattice (see src/post/crf/lattice.ts for the layout).
// Values are interleaved per pixel / lattice point, `cp` floats each (classes padded to a multiple
// of 4), so every loop runs f32x4 over classes. Lattice point ids are 1-based; row 0 stays zero.
// All pointers are byte offsets the caller laid out in this module's memory.
import { expf4 } from './activation';



/**
 * q = softmax(msg − unary) over the first `c` of `cp` lanes of each of `n` pixels (padding lanes
 * get 0), then msg = 0 for the next iteration.
 */
export function crfSoftmax(n: i32, c: i32, cp: i32, unary: usize, msg: usize, q: usize): void {
  const groups = cp >> 2;
  const negInf = f32x4.splat(-Infinity);
  const lanes = i32x4(0, 1, 2, 3);
  const cv = i32x4.splat(c);
  const zero = f32x4.splat(0);
  for (let i = 0; i < n; i++) {
    const base = (<usize>i * <usize>cp) << 2;
    let mx = negInf;
    for (let g = 0; g < groups; g++) {
      const o = base + (<usize>g << 4);
      const valid = i32x4.lt_s(i32x4.add(lanes, i32x4.splat(g << 2)), cv);
      const logit = v128.bitselect(f32x4.sub(v128.load(msg + o), v128.load(unary + o)), negInf, valid);
      v128.store(q + o, logit);
      mx = f32x4.max(mx, logit);
    }
    const m = max(
      max(f32x4.extract_lane(mx, 0), f32x4.extract_lane(mx, 1)),
      max(f32x4.extract_lane(mx, 2), f32x4.extract_lane(mx, 3)),
    );
    const mv = f32x4.splat(m);
    let sum = zero;
    for (let g = 0; g < groups; g++) {
      const o = base + (<usize>g << 4);
      const valid = i32x4.lt_s(i32x4.add(lanes, i32x4.splat(g << 2)), cv);
      const e = v128.and(expf4(f32x4.sub(v128.load(q + o), mv)), valid);
      v128.store(q + o, e);
      sum = f32x4.add(sum, e);
      v128.store(msg + o, zero);
    }
    const s =
      f32x4.extract_lane(sum, 0) + f32x4.extract_lane(sum, 1) + f32x4.extract_lane(sum, 2) + f32x4.extract_lane(sum, 3);
    const inv = f32x4.splat(<f32>1 / s);
    for (let g = 0; g < groups; g++) {
      const o = base + (<usize>g << 4);
      v128.store(q + o, f32x4.mul(v128.load(q + o), inv));
    }
  }
}

/**
 * msg[i] += weight · alpha · norm[i] · slice_i(blur(splat(norm ⊙ q))) for one kernel's lattice of
 * `m` points, `d1` vertices per pixel. `a` and `b` hold (m + 1) · cp floats each.
 */
export function crfFilter(
  n: i32,
  d1: i32,
  m: i32,
  cp: i32,
  offsets: usize,
  weights: usize,
  neighbors: usize,
  norm: usize,
  weight: f32,
  alpha: f32,
  q: usize,
  msg: usize,
  a: usize,
  b: usize,
): void {
  const row = <usize>cp << 2;
  memory.fill(a, 0, <usize>(m + 1) * row);
  memory.fill(b, 0, row);
  // Splat.
  for (let i = 0; i < n; i++) {
    const s = load<f32>(norm + (<usize>i << 2));
    const qi = q + <usize>i * row;
    for (let r = 0; r < d1; r++) {
      const idx = (<usize>(i * d1 + r)) << 2;
      const o = a + <usize>load<i32>(offsets + idx) * row;
      const w = f32x4.splat(load<f32>(weights + idx) * s);
      for (let l: usize = 0; l < row; l += 16) {
        v128.store(o + l, f32x4.add(v128.load(o + l), f32x4.mul(w, v128.load(qi + l))));
      }
    }
  }
  // Blur [1/2, 1, 1/2] along each of the d + 1 lattice directions, ping-ponging a and b.
  const half = f32x4.splat(0.5);
  let src = a;
  let dst = b;
  for (let j = 0; j < d1; j++) {
    const nb = neighbors + ((<usize>j * <usize>m) << 3);
    for (let i = 1; i <= m; i++) {
      const e = nb + (<usize>(i - 1) << 3);
      const o = <usize>i * row;
      const o1 = src + <usize>load<i32>(e) * row;
      const o2 = src + <usize>load<i32>(e, 4) * row;
      const so = src + o;
      const dO = dst + o;
      for (let l: usize = 0; l < row; l += 16) {
        const nbs = f32x4.add(v128.load(o1 + l), v128.load(o2 + l));
        v128.store(dO + l, f32x4.add(v128.load(so + l), f32x4.mul(half, nbs)));
      }
    }
    const t = src;
    src = dst;
    dst = t;
  }
  // Slice, scaled and accumulated into msg.
  for (let i = 0; i < n; i++) {
    const s = f32x4.splat(weight * alpha * load<f32>(norm + (<usize>i << 2)));
    const mi = msg + <usize>i * row;
    const ib = <usize>(i * d1) << 2;
    for (let l: usize = 0; l < row; l += 16) {
      let acc = f32x4.splat(0);
      for (let r = 0; r < d1; r++) {
        const idx = ib + (<usize>r << 2);
        const w = f32x4.splat(load<f32>(weights + idx));
        acc = f32x4.add(acc, f32x4.mul(w, v128.load(src + <usize>load<i32>(offsets + idx) * row + l)));
      }
      v128.store(mi + l, f32x4.add(v128.load(mi + l), f32x4.mul(s, acc)));
    }
  }
}

// ---- Lattice construction (the same algorithm and insertion order as buildLattice in
// src/post/crf/lattice.ts, so ids, weights and neighbours come out identical). ----

// @ts-ignore: decorator
@inline
function keyHash(keys: usize, d: i32, mask: i32): i32 {
  let h: i32 = 0;
  for (let k = 0; k < d; k++) h = (h + load<i32>(keys + (<usize>k << 2))) * 2531011;
  h ^= <i32>(<u32>h >>> 15);
  h = h * 0x2c1b3c6d;
  return (h ^ <i32>(<u32>h >>> 12)) & mask;
}

/**
 * The 1-based id of the d-int key at `key`, inserting it when `insert` (0 when absent otherwise).
 * `table` has `mask + 1` i32 slots (0 = empty), `keys` the inserted keys in id order, `size` at
 * `sizePtr`.
 */
function keyFind(key: usize, d: i32, table: usize, mask: i32, keys: usize, sizePtr: usize, insert: bool): i32 {
  let h = keyHash(key, d, mask);
  const kb = <usize>d << 2;
  for (;;) {
    const id = load<i32>(table + (<usize>h << 2));
    if (id == 0) break;
    const at = keys + <usize>(id - 1) * kb;
    let same = true;
    for (let k = 0; k < d; k++) {
      if (load<i32>(at + (<usize>k << 2)) != load<i32>(key + (<usize>k << 2))) {
        same = false;
        break;
      }
    }
    if (same) return id;
    h = (h + 1) & mask;
  }
  if (!insert) return 0;
  const size = load<i32>(sizePtr) + 1;
  store<i32>(sizePtr, size);
  memory.copy(keys + <usize>(size - 1) * kb, key, kb);
  store<i32>(table + (<usize>h << 2), size);
  return size;
}

/**
 * Elevates n points of d f64 features, finds each enclosing simplex and writes its d + 1 vertex
 * ids (offsets, i32) and barycentric weights (f32). `table` must have at least 2·n·(d+1) slots
 * (power of two, zeroed, mask = slots − 1) and `keys` room for n·(d+1) keys, so it never grows.
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
  const scale = scratch;
  const elevated = scratch + stride;
  const bary = scratch + 2 * stride;
  const rem0 = scratch + 3 * stride; // i32
  const rank = scratch + 4 * stride; // i32
  const key = scratch + 5 * stride; // i32
  const sizePtr = scratch + 6 * stride;
  store<i32>(sizePtr, 0);
  for (let i = 0; i < d; i++) {
    store<f64>(scale + (<usize>i << 3), (1 / Math.sqrt(<f64>((i + 2) * (i + 1)))) * Math.sqrt(2.0 / 3.0) * <f64>d1);
  }
  const down = 1.0 / <f64>d1;
  for (let p = 0; p < n; p++) {
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
      for (let i = 0; i < d; i++) {
        const ri = load<i32>(rank + (<usize>i << 2));
        store<i32>(key + (<usize>i << 2), load<i32>(rem0 + (<usize>i << 2)) + (ri <= d - r ? r : r - d1));
      }
      const idx = <usize>(p * d1 + r) << 2;
      store<i32>(offsets + idx, keyFind(key, d, table, mask, keys, sizePtr, true));
      store<f32>(weights + idx, <f32>load<f64>(bary + (<usize>r << 3)));
    }
  }
  return load<i32>(sizePtr);
}

/** The two blur neighbours of each of the m points along each of the d + 1 directions (0 = none). */
export function crfBuildNeighbors(m: i32, d: i32, table: usize, mask: i32, keys: usize, neighbors: usize, scratch: usize): void {
  const kb = <usize>d << 2;
  const n1 = scratch;
  const n2 = scratch + 64;
  for (let j = 0; j <= d; j++) {
    for (let i = 0; i < m; i++) {
      const kk = keys + <usize>i * kb;
      for (let k = 0; k < d; k++) {
        const v = load<i32>(kk + (<usize>k << 2));
        store<i32>(n1 + (<usize>k << 2), v - 1);
        store<i32>(n2 + (<usize>k << 2), v + 1);
      }
      if (j < d) {
        const v = load<i32>(kk + (<usize>j << 2));
        store<i32>(n1 + (<usize>j << 2), v + d);
        store<i32>(n2 + (<usize>j << 2), v - d);
      }
      const e = neighbors + ((<usize>(j * m + i)) << 3);
      store<i32>(e, keyFind(n1, d, table, mask, keys, scratch + 128, false));
      store<i32>(e, keyFind(n2, d, table, mask, keys, scratch + 128, false), 4);
    }
  }
}
