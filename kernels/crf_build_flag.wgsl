// Dense-CRF lattice build on the GPU, step 4 (src/post/crf/webgpu-build.ts): flag[e] = 1 where
// pixel vertex e is its key's first occurrence. Their exclusive prefix sum (crf_build_scan) is
// then each new point's id − 1.

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
@group(0) @binding(3) var<storage, read_write> flag: array<u32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let e = gid.x + gid.y * p.stride;
  if (e >= p.total) {
    return;
  }
  flag[e] = select(0u, 1u, table[slot[e]] == e + 1u);
}
