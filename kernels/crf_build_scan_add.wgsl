// Dense-CRF lattice build on the GPU (src/post/crf/webgpu-build.ts): adds each 256-block's scanned
// offset (sums, from crf_build_scan one level up) to its elements.

const B: u32 = 256u;

struct Params {
  count: u32,
  _pad0: u32,
  _pad1: u32,
  _pad2: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> data: array<u32>;
@group(0) @binding(2) var<storage, read> sums: array<u32>;

@compute @workgroup_size(B)
fn main(
  @builtin(local_invocation_index) li: u32,
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nw: vec3<u32>,
) {
  let block = wid.x + wid.y * nw.x;
  let i = block * B + li;
  if (i < p.count) {
    data[i] += sums[block];
  }
}
