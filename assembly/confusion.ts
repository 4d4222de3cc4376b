// Confusion-matrix accumulation for evaluation (src/post/metrics/confusion.ts is the TS reference).
// counts: f64[classes * classes], row = ground truth, column = prediction; f64 adds of 1.0 stay
// exact up to 2^53 pixels. stats: f64[2] += [ground-truth labels >= classes (not ignore),
// predictions >= classes]; such pixels are skipped. Labels are u16. The order of the checks
// (ignore, unknown truth, bad prediction) is the reference's.

@inline
function bump(counts: usize, g: i32, p: i32, classes: i32): void {
  const at = counts + ((<usize>(g * classes + p)) << 3);
  store<f64>(at, load<f64>(at) + 1.0);
}

export function confusionLabels(
  pred: usize,
  gt: usize,
  n: i32,
  classes: i32,
  ignore: i32,
  counts: usize,
  stats: usize,
): void {
  let unknown: f64 = 0;
  let bad: f64 = 0;
  for (let i = 0; i < n; i++) {
    const g = <i32>load<u16>(gt + (<usize>i << 1));
    if (g == ignore) continue;
    if (g >= classes) {
      unknown += 1;
      continue;
    }
    const p = <i32>load<u16>(pred + (<usize>i << 1));
    if (p >= classes) {
      bad += 1;
      continue;
    }
    bump(counts, g, p, classes);
  }
  store<f64>(stats, load<f64>(stats) + unknown);
  store<f64>(stats + 8, load<f64>(stats + 8) + bad);
}

// Argmax over `channels` planar f32 score planes fused with the accumulation: the first channel
// starts as the best, a later one wins only when strictly greater (ties → lower class; NaN never
// wins). Four pixels at a time with SIMD, then a scalar tail with the same rule.
export function confusionLogits(
  logits: usize,
  channels: i32,
  plane: i32,
  gt: usize,
  classes: i32,
  ignore: i32,
  counts: usize,
  stats: usize,
): void {
  let unknown: f64 = 0;
  let bad: f64 = 0;
  const planeBytes = <usize>plane << 2;
  let i = 0;
  for (; i + 4 <= plane; i += 4) {
    const off = <usize>i << 2;
    let best = v128.load(logits + off);
    let idx = i32x4.splat(0);
    for (let c = 1; c < channels; c++) {
      const v = v128.load(logits + <usize>c * planeBytes + off);
      const m = f32x4.gt(v, best);
      best = v128.bitselect(v, best, m);
      idx = v128.bitselect(i32x4.splat(c), idx, m);
    }
    for (let k = 0; k < 4; k++) {
      const g = <i32>load<u16>(gt + ((<usize>(i + k)) << 1));
      if (g == ignore) continue;
      if (g >= classes) {
        unknown += 1;
        continue;
      }
      let p = 0;
      if (k == 0) p = i32x4.extract_lane(idx, 0);
      else if (k == 1) p = i32x4.extract_lane(idx, 1);
      else if (k == 2) p = i32x4.extract_lane(idx, 2);
      else p = i32x4.extract_lane(idx, 3);
      if (p >= classes) {
        bad += 1;
        continue;
      }
      bump(counts, g, p, classes);
    }
  }
  for (; i < plane; i++) {
    const g = <i32>load<u16>(gt + (<usize>i << 1));
    if (g == ignore) continue;
    if (g >= classes) {
      unknown += 1;
      continue;
    }
    const off = <usize>i << 2;
    let best = load<f32>(logits + off);
    let p = 0;
    for (let c = 1; c < channels; c++) {
      const v = load<f32>(logits + <usize>c * planeBytes + off);
      if (v > best) {
        best = v;
        p = c;
      }
    }
    if (p >= classes) {
      bad += 1;
      continue;
    }
    bump(counts, g, p, classes);
  }
  store<f64>(stats, load<f64>(stats) + unknown);
  store<f64>(stats + 8, load<f64>(stats + 8) + bad);
}
