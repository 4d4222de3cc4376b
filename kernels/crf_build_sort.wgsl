// Dense-CRF lattice build on the GPU, step 7 (src/post/crf/webgpu-build.ts): sorts each lattice
// point's splat entries by pixel (a pixel appears at most once per point), one invocation per
// point, Shell sort with Ciura's gaps. Then the splat sums in WASM's order: the result does not
// depend on the order the atomics of crf_build_fill happened to run in.

override WG: u32 = 64u;

struct Params {
  points: u32,
  stride: u32,
  _pad0: u32,
  _pad1: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> start: array<u32>;
@group(0) @binding(2) var<storage, read_write> entryPix: array<u32>;
@group(0) @binding(3) var<storage, read_write> entryW: array<f32>;

const GAPS = array<u32, 8>(701u, 301u, 132u, 57u, 23u, 10u, 4u, 1u);

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let t = gid.x + gid.y * p.stride;
  if (t >= p.points) {
    return;
  }
  let s = start[t + 1u];
  let len = start[t + 2u] - s;
  for (var g = 0u; g < 8u; g++) {
    let gap = GAPS[g];
    for (var i = gap; i < len; i++) {
      let px = entryPix[s + i];
      let w = entryW[s + i];
      var j = i;
      while (j >= gap && entryPix[s + j - gap] > px) {
        entryPix[s + j] = entryPix[s + j - gap];
        entryW[s + j] = entryW[s + j - gap];
        j -= gap;
      }
      entryPix[s + j] = px;
      entryW[s + j] = w;
    }
  }
}
