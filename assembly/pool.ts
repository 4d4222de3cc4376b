// Max / average pooling over NHWC f32 tensors, 4 channels per vector. mode: 0 max, 1 average
// counting the pads (count_include_pad; not the ceil_mode overhang past them), 2 average over the
// taps inside the input. padEnd* bound the pads that count. Tail lanes over-read into the arena's
// slack and are never stored.
import { storeLanes } from './conv';

export function poolNhwc(
  x: usize, y: usize,
  N: i32, H: i32, W: i32, C: i32, OH: i32, OW: i32,
  KH: i32, KW: i32, sh: i32, sw: i32, dh: i32, dw: i32, ph: i32, pw: i32,
  padEndH: i32, padEndW: i32, mode: i32,
): void {
  for (let n = 0; n < N; n++) {
    for (let oh = 0; oh < OH; oh++) {
      let rows = 0, rowsPad = 0;
      for (let kh = 0; kh < KH; kh++) {
        const ih = oh * sh - ph + kh * dh;
        if (ih < H + padEndH) rowsPad++;
        if (ih >= 0 && ih < H) rows++;
      }
      for (let ow = 0; ow < OW; ow++) {
        let cols = 0, colsPad = 0;
        for (let kw = 0; kw < KW; kw++) {
          const iw = ow * sw - pw + kw * dw;
          if (iw < W + padEndW) colsPad++;
          if (iw >= 0 && iw < W) cols++;
        }
        const count = mode == 1 ? rowsPad * colsPad : rows * cols;
        const scale = f32x4.splat(count > 0 ? <f32>1 / <f32>count : <f32>0);
        const out = y + (<usize>((n * OH + oh) * OW + ow) * <usize>C << 2);
        for (let c = 0; c < C; c += 4) {
          let acc = f32x4.splat(mode == 0 ? -Infinity : 0);
          for (let kh = 0; kh < KH; kh++) {
            const ih = oh * sh - ph + kh * dh;
            if (ih < 0 || ih >= H) continue;
            const row = x + ((<usize>((n * H + ih) * W) * <usize>C + <usize>c) << 2);
            for (let kw = 0; kw < KW; kw++) {
              const iw = ow * sw - pw + kw * dw;
              if (iw < 0 || iw >= W) continue;
              const v = v128.load(row + (<usize>(iw * C) << 2));
              acc = mode == 0 ? f32x4.max(acc, v) : f32x4.add(acc, v);
            }
          }
          if (mode != 0) acc = f32x4.mul(acc, scale);
          storeLanes(out + (<usize>c << 2), acc, C - c);
        }
      }
    }
  }
}

/** Mean over the H·W pixels of each image: y[n,c] (NHWC [N,1,1,C]). */
export function globalAvgPoolNhwc(x: usize, y: usize, N: i32, HW: i32, C: i32): void {
  globalAvgPoolRange(x, y, N, HW, C, 0, C);
}

/** globalAvgPoolNhwc for channels [c0, c1) only (c0 a multiple of 4): one thread's slice. */
export function globalAvgPoolRange(x: usize, y: usize, N: i32, HW: i32, C: i32, c0: i32, c1: i32): void {
  const scale = f32x4.splat(<f32>1 / <f32>HW);
  for (let n = 0; n < N; n++) {
    const base = x + (<usize>(n * HW) * <usize>C << 2);
    const out = y + (<usize>(n * C) << 2);
    for (let c = c0; c < c1; c += 4) {
      let acc = f32x4.splat(0);
      for (let p = 0; p < HW; p++) acc = f32x4.add(acc, v128.load(base + ((<usize>p * <usize>C + <usize>c) << 2)));
      storeLanes(out + (<usize>c << 2), f32x4.mul(acc, scale), c1 - c);
    }
  }
}
