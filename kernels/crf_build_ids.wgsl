// Dense-CRF lattice build on the GPU, step 5 (src/post/crf/webgpu-build.ts): each pixel vertex's
// lattice point id (1-based, in order of first occurrence: the ids of WASM's serial build), the
// first vertex of each point (rep, for the neighbour lookups), the entries per point (counts, for
// the splat CSR) and the number of points m (status[1], by the last vertex).

override WG: u32 = 64u;

struct Params {
  total: u32,
  stride: u32,
  _pad0: u32,
  _pad1: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> slot: array<u32>;
@group(0) @binding(2) var<storage, read> table: array<u32>;
// Exclusive prefix sums of the first-occurrence flags.
@group(0) @binding(3) var<storage, read> prefix: array<u32>;
@group(0) @binding(4) var<storage, read_write> offsets: array<u32>;
@group(0) @binding(5) var<storage, read_write> rep: array<u32>;
@group(0) @binding(6) var<storage, read_write> counts: array<atomic<u32>>;
@group(0) @binding(7) var<storage, read_write> status: array<u32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let e = gid.x + gid.y * p.stride;
  if (e >= p.total) {
    return;
  }
  let first = table[slot[e]] - 1u;
  let id = prefix[first] + 1u;
  offsets[e] = id;
  if (first == e) {
    rep[id - 1u] = e;
  }
  atomicAdd(&counts[id], 1u);
  if (e == p.total - 1u) {
    status[1] = prefix[e] + select(0u, 1u, first == e);
  }
}
