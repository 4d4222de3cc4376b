// Dense-CRF lattice build on the GPU, step 3 (src/post/crf/webgpu-build.ts): each key's slot ends
// up holding its first pixel vertex (smallest e, + 1), whoever won the insert. Numbering the
// lattice points by first occurrence gives the ids WASM's serial build gives (insertion order).

override WG: u32 = 64u;

struct Params {
  total: u32,
  stride: u32,
  _pad0: u32,
  _pad1: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> slot: array<u32>;
@group(0) @binding(2) var<storage, read_write> table: array<atomic<u32>>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let e = gid.x + gid.y * p.stride;
  if (e >= p.total) {
    return;
  }
  atomicMin(&table[slot[e]], e + 1u);
}
