// Resize of the two spatial axes of an NHWC f32 tensor from host-built tap tables (one per output
// row / column: i32 i0, i32 i1, f32 weight of i1). Bilinear and nearest (i1 = i0, weight 0) share
// the kernel; every coordinate mode is decided on the host when the tables are built.
import { storeLanes } from './conv';

export function resizeNhwc(
  x: usize, y: usize, rowTab: usize, colTab: usize,
  N: i32, H: i32, W: i32, C: i32, OH: i32, OW: i32,
): void {
  const pixel = <usize>C << 2;
  for (let n = 0; n < N; n++) {
    const img = x + <usize>(n * H) * <usize>W * pixel;
    for (let oh = 0; oh < OH; oh++) {
      const rt = rowTab + <usize>oh * 12;
      const r0 = img + <usize>load<i32>(rt) * <usize>W * pixel;
      const r1 = img + <usize>load<i32>(rt + 4) * <usize>W * pixel;
      const wy = f32x4.splat(load<f32>(rt + 8));
      for (let ow = 0; ow < OW; ow++) {
        const ct = colTab + <usize>ow * 12;
        const c0 = <usize>load<i32>(ct) * pixel;
        const c1 = <usize>load<i32>(ct + 4) * pixel;
        const wx = f32x4.splat(load<f32>(ct + 8));
        const out = y + (<usize>((n * OH + oh) * OW + ow)) * pixel;
        for (let c = 0; c < C; c += 4) {
          const off = <usize>c << 2;
          const v00 = v128.load(r0 + c0 + off);
          const v01 = v128.load(r0 + c1 + off);
          const v10 = v128.load(r1 + c0 + off);
          const v11 = v128.load(r1 + c1 + off);
          const top = f32x4.add(v00, f32x4.mul(wx, f32x4.sub(v01, v00)));
          const bot = f32x4.add(v10, f32x4.mul(wx, f32x4.sub(v11, v10)));
          storeLanes(out + off, f32x4.add(top, f32x4.mul(wy, f32x4.sub(bot, top))), C - c);
        }
      }
    }
  }
}
