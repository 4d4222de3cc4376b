// Dense-CRF lattice build on the GPU, step 6 (src/post/crf/webgpu-build.ts): the splat CSR's
// entries: each pixel vertex takes a place in its point's list (cursor starts as the list
// starts) and writes its pixel and barycentric weight there. The order within a list is whatever
// the atomics gave; crf_build_sort then puts it in pixel order.

override WG: u32 = 64u;

struct Params {
  total: u32,
  d1: u32,
  stride: u32,
  _pad: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> offsets: array<u32>;
@group(0) @binding(2) var<storage, read> weights: array<f32>;
@group(0) @binding(3) var<storage, read_write> cursor: array<atomic<u32>>;
@group(0) @binding(4) var<storage, read_write> entryPix: array<u32>;
@group(0) @binding(5) var<storage, read_write> entryW: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let e = gid.x + gid.y * p.stride;
  if (e >= p.total) {
    return;
  }
  let at = atomicAdd(&cursor[offsets[e]], 1u);
  entryPix[at] = e / p.d1;
  entryW[at] = weights[e];
}
