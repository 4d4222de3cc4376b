// Dense-CRF lattice build on the GPU, step 8 (src/post/crf/webgpu-build.ts): the two blur
// neighbours of lattice point i along direction j, (n1, n2) at j · m + i − 1 as crf_blur reads
// them: the keys k − 1 (coordinate j: k + d) and k + 1 (coordinate j: k − d), j = d moving every
// coordinate, looked up read-only in the finished table (0 = no such point).

override WG: u32 = 64u;

struct Params {
  points: u32,  // m
  d: u32,
  mask: u32,
  stride: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> keys: array<i32>;
@group(0) @binding(2) var<storage, read> rep: array<u32>;
@group(0) @binding(3) var<storage, read> table: array<u32>;
@group(0) @binding(4) var<storage, read> prefix: array<u32>;
@group(0) @binding(5) var<storage, read_write> neighbors: array<vec2<u32>>;

const MAX_D: u32 = 7u;

// As crf_build_insert.wgsl's.
fn key_hash(k: ptr<function, array<i32, MAX_D>>, d: u32) -> u32 {
  var h = 0u;
  for (var i = 0u; i < d; i++) {
    h = (h + u32((*k)[i])) * 2531011u;
  }
  h ^= h >> 15u;
  h *= 0x2c1b3c6du;
  return h ^ (h >> 12u);
}

// The id of key k, 0 when no pixel vertex has it.
fn find(k: ptr<function, array<i32, MAX_D>>, d: u32) -> u32 {
  var s = key_hash(k, d) & p.mask;
  for (var probes = 0u; probes <= p.mask; probes++) {
    let v = table[s];
    if (v == 0u) {
      return 0u;
    }
    let o = (v - 1u) * d;
    var same = true;
    for (var i = 0u; i < d; i++) {
      if (keys[o + i] != (*k)[i]) {
        same = false;
        break;
      }
    }
    if (same) {
      // The slot holds its key's first vertex: the point's id is its flag prefix + 1.
      return prefix[v - 1u] + 1u;
    }
    s = (s + 1u) & p.mask;
  }
  return 0u;
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let t = gid.x + gid.y * p.stride;
  if (t >= p.points * (p.d + 1u)) {
    return;
  }
  let d = p.d;
  let j = t / p.points;
  let i = t % p.points;
  let o = rep[i] * d;
  var lo: array<i32, MAX_D>;
  var hi: array<i32, MAX_D>;
  for (var k = 0u; k < d; k++) {
    let v = keys[o + k];
    lo[k] = v - 1;
    hi[k] = v + 1;
  }
  if (j < d) {
    lo[j] = keys[o + j] + i32(d);
    hi[j] = keys[o + j] - i32(d);
  }
  neighbors[t] = vec2<u32>(find(&lo, d), find(&hi, d));
}
