// Confusion matrix of one image (or a chunk of its pixels): counts[g * classes + p] += 1 per
// scored pixel, plus two skip counters at counts[classes * classes] (ground truth >= classes, not
// the ignore label) and counts[classes * classes + 1] (prediction >= classes). Same order of
// checks as src/post/metrics/confusion.ts: ignore → unknown truth → bad prediction → counted.
//
// src holds either planar scores (FROM_LOGITS: `images` blocks of channels x plane float32 bit
// patterns, the argmax fused) or predicted labels packed as two u16 per word; truth is always two
// u16 per word. The argmax compares order-preserving integer keys of the float bits, so it is
// exact for subnormals (no flush to zero), treats -0 == +0, and NaN never wins; ties keep the
// lower class. u32 counts cannot overflow: the host reads them back after every image.

override WG: u32 = 256u;
override FROM_LOGITS: bool = true;
// Workgroup histogram of BINS = classes * classes + 2 entries (fits 16 KiB when classes <= 63);
// otherwise every pixel adds straight into the global counts.
override LOCAL: bool = true;
override BINS: u32 = 4096u;

struct Params {
  pixels: u32,   // images * plane
  plane: u32,
  channels: u32,
  classes: u32,
  ignore: u32,   // 0xffffffff: no ignore label (u16 labels never equal it)
  items: u32,    // pixels per invocation: a workgroup covers WG * items pixels
  _pad0: u32,
  _pad1: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> src: array<u32>;
@group(0) @binding(2) var<storage, read> truth: array<u32>;
@group(0) @binding(3) var<storage, read_write> counts: array<atomic<u32>>;

var<workgroup> hist: array<atomic<u32>, BINS>;

fn truthLabel(i: u32) -> u32 {
  return (truth[i >> 1u] >> ((i & 1u) * 16u)) & 0xffffu;
}

fn predLabel(i: u32) -> u32 {
  return (src[i >> 1u] >> ((i & 1u) * 16u)) & 0xffffu;
}

// Key with the float order: NaN → 0 (below every other key, so it never wins and a NaN channel
// 0 keeps class 0 as TS's `v > NaN` does), -0 → +0.
fn key(bits: u32) -> u32 {
  if ((bits & 0x7fffffffu) > 0x7f800000u) { return 0u; }
  var b = bits;
  if (b == 0x80000000u) { b = 0u; }
  if ((b & 0x80000000u) != 0u) { return ~b; }
  return b | 0x80000000u;
}

fn predicted(i: u32) -> u32 {
  if (!FROM_LOGITS) { return predLabel(i); }
  let plane = p.plane;
  let base = (i / plane) * p.channels * plane + i % plane;
  var best = key(src[base]);
  // channel 0 NaN: in TS nothing is > NaN, so class 0 stays.
  if (best == 0u) { return 0u; }
  var cls = 0u;
  for (var c = 1u; c < p.channels; c++) {
    let k = key(src[base + c * plane]);
    if (k > best) {
      best = k;
      cls = c;
    }
  }
  return cls;
}

fn bump(bin: u32) {
  if (LOCAL) {
    atomicAdd(&hist[bin], 1u);
  } else {
    atomicAdd(&counts[bin], 1u);
  }
}

fn score(i: u32) {
  let g = truthLabel(i);
  if (g == p.ignore) { return; }
  let classes = p.classes;
  if (g >= classes) {
    bump(classes * classes);
    return;
  }
  let q = predicted(i);
  if (q >= classes) {
    bump(classes * classes + 1u);
    return;
  }
  bump(g * classes + q);
}

@compute @workgroup_size(WG)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  // Dispatches past 65535 workgroups are folded into a 2-D grid.
  let group = wid.x + wid.y * nwg.x;
  let bins = p.classes * p.classes + 2u;
  if (LOCAL) {
    for (var b = lid; b < bins; b += WG) { atomicStore(&hist[b], 0u); }
    workgroupBarrier();
  }
  let start = group * WG * p.items;
  for (var k = 0u; k < p.items; k++) {
    let i = start + k * WG + lid;
    if (i < p.pixels) { score(i); }
  }
  if (LOCAL) {
    workgroupBarrier();
    for (var b = lid; b < bins; b += WG) {
      let n = atomicLoad(&hist[b]);
      if (n != 0u) { atomicAdd(&counts[b], n); }
    }
  }
}
