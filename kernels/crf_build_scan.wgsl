// Dense-CRF lattice build on the GPU (src/post/crf/webgpu-build.ts): exclusive prefix sum of u32s
// in place, one block of 256 per workgroup; each block's total goes to sums[block]. The host scans
// the sums the same way and adds them back (crf_build_scan_add) until one block is left.

const B: u32 = 256u;

struct Params {
  count: u32,
  _pad0: u32,
  _pad1: u32,
  _pad2: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> data: array<u32>;
@group(0) @binding(2) var<storage, read_write> sums: array<u32>;

var<workgroup> tmp: array<u32, B>;

@compute @workgroup_size(B)
fn main(
  @builtin(local_invocation_index) li: u32,
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nw: vec3<u32>,
) {
  let block = wid.x + wid.y * nw.x;
  let i = block * B + li;
  var v = 0u;
  if (i < p.count) {
    v = data[i];
  }
  tmp[li] = v;
  workgroupBarrier();
  for (var off = 1u; off < B; off <<= 1u) {
    var add = 0u;
    if (li >= off) {
      add = tmp[li - off];
    }
    workgroupBarrier();
    tmp[li] += add;
    workgroupBarrier();
  }
  if (i < p.count) {
    data[i] = tmp[li] - v;
  }
  // (A 2-D grid's last row may hold workgroups past the data: they write nothing.)
  if (li == B - 1u && block * B < p.count) {
    sums[block] = tmp[li];
  }
}
