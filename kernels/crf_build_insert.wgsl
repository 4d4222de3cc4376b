// Dense-CRF lattice build on the GPU, step 2 (src/post/crf/webgpu-build.ts): inserts every pixel
// vertex's key into an open-addressing table (linear probing). Invocation e claims an empty slot
// with a compare-exchange (writing e + 1); when the slot is taken it compares its key with the
// owner's, which crf_build_elevate wrote in an earlier dispatch (so no one waits on a half-written
// key): equal → same lattice point, else the next slot. Each vertex records its key's slot. The
// table has at least 2 · n · (d + 1) slots (at most half full), so the probe count is bounded; a
// full table is reported in status bit 0 all the same.

override WG: u32 = 64u;

struct Params {
  total: u32,  // n · (d + 1) pixel vertices
  d: u32,
  mask: u32,  // slots − 1 (a power of two minus one)
  stride: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> keys: array<i32>;
@group(0) @binding(2) var<storage, read_write> table: array<atomic<u32>>;
@group(0) @binding(3) var<storage, read_write> slot: array<u32>;
@group(0) @binding(4) var<storage, read_write> status: array<atomic<u32>>;

const MAX_D: u32 = 7u;

// Same hash as src/post/crf/lattice.ts (any good hash would do: ids do not depend on it).
fn key_hash(k: ptr<function, array<i32, MAX_D>>, d: u32) -> u32 {
  var h = 0u;
  for (var i = 0u; i < d; i++) {
    h = (h + u32((*k)[i])) * 2531011u;
  }
  h ^= h >> 15u;
  h *= 0x2c1b3c6du;
  return h ^ (h >> 12u);
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let e = gid.x + gid.y * p.stride;
  if (e >= p.total) {
    return;
  }
  let d = p.d;
  var k: array<i32, MAX_D>;
  for (var i = 0u; i < d; i++) {
    k[i] = keys[e * d + i];
  }
  var s = key_hash(&k, d) & p.mask;
  var probes = 0u;
  loop {
    if (probes > p.mask) {
      atomicOr(&status[0], 1u);
      return;
    }
    // Most vertices repeat a key (512x512: 61% at d = 2, 85% at d = 5): a plain load first keeps
    // the read-modify-write atomics off the hot slots.
    var owner = atomicLoad(&table[s]);
    if (owner == 0u) {
      let r = atomicCompareExchangeWeak(&table[s], 0u, e + 1u);
      if (r.exchanged) {
        break;
      }
      owner = r.old_value;
    }
    // A weak exchange may fail spuriously on an empty slot: try it again.
    if (owner != 0u) {
      let o = (owner - 1u) * d;
      var same = true;
      for (var i = 0u; i < d; i++) {
        if (keys[o + i] != k[i]) {
          same = false;
          break;
        }
      }
      if (same) {
        break;
      }
      s = (s + 1u) & p.mask;
      probes++;
    }
  }
  slot[e] = s;
}
