// Dense-CRF lattice blur along one of the d + 1 lattice directions (src/post/crf/webgpu.ts):
// dst[i] = src[i] + 1/2 (src[n1(i)] + src[n2(i)]) for lattice points i = 1..points, 4 classes per
// invocation. Neighbour 0 is the all-zero row 0 ("no neighbour"). One dispatch per direction,
// ping-ponging two buffers.

override WG: u32 = 64u;

struct Params {
  points: u32,
  groups: u32,
  stride: u32,
  dir: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
// (n1, n2) of point i along direction j at j * points + i - 1.
@group(0) @binding(1) var<storage, read> neighbors: array<vec2<u32>>;
@group(0) @binding(2) var<storage, read> src: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> dst: array<vec4<f32>>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let t = gid.x + gid.y * p.stride;
  if (t >= p.points * p.groups) {
    return;
  }
  let i = t / p.groups + 1u;
  let g = t % p.groups;
  let nb = neighbors[p.dir * p.points + i - 1u];
  let gs = p.groups;
  dst[i * gs + g] = src[i * gs + g] + 0.5 * (src[nb.x * gs + g] + src[nb.y * gs + g]);
}
