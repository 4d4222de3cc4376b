// Dense-CRF Q from pixel-major rows (4 · groups lanes per pixel, as crf_update.wgsl writes it) to
// C planes of N (the (1, C, H, W) tensor layout), one invocation per pixel: the readback then lands
// in the output tensor as it is, with no transpose on the host (src/post/crf/webgpu.ts).

override WG: u32 = 64u;

struct Params {
  pixels: u32,
  groups: u32,
  classes: u32,
  stride: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> q: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> planes: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * p.stride;
  if (i >= p.pixels) {
    return;
  }
  for (var g = 0u; g < p.groups; g++) {
    let v = q[i * p.groups + g];
    for (var k = 0u; k < 4u; k++) {
      let l = 4u * g + k;
      if (l < p.classes) {
        planes[l * p.pixels + i] = v[k];
      }
    }
  }
}
