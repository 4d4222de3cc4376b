// ConvTranspose over NHWC f32 tensors by sub-pixel decomposition: output pixels of one phase
// (ow ≡ r mod stride) use the same kernel taps, so each phase is a small dense convolution over
// the input — no zero insertion. Blocks of 4 same-phase pixels × 8 output channels.
// Weights packed by the host per group as [KH][KW][Cg][MgP] (MgP = Mg rounded up to 8).
import { act4 } from './activation';
import { store8 } from './conv';

export function convTransposeNhwc(
  x: usize, w: usize, bias: usize, y: usize, zeros: usize,
  N: i32, H: i32, W: i32, C: i32, OH: i32, OW: i32, M: i32,
  KH: i32, KW: i32, sh: i32, sw: i32, dh: i32, dw: i32, ph: i32, pw: i32, group: i32,
  kind: i32, q0: f32, q1: f32,
): void {
  const cg = C / group;
  const mg = M / group;
  const mgP = (mg + 7) & ~7;
  const wStep = <usize>mgP << 2;
  const px = <usize>M << 2;
  for (let n = 0; n < N; n++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let phase = 0; phase < sw; phase++) {
        for (let ow = phase; ow < OW; ow += 4 * sw) {
          const np = min(4, (OW - ow + sw - 1) / sw);
          for (let g = 0; g < group; g++) {
            const xg = x + (<usize>(g * cg) << 2);
            for (let cb = 0; cb < mgP; cb += 8) {
              const bp = bias + (<usize>(g * mgP + cb) << 2);
              let a0 = v128.load(bp), b0 = v128.load(bp + 16);
              let a1 = a0, b1 = b0, a2 = a0, b2 = b0, a3 = a0, b3 = b0;
              for (let kh = 0; kh < KH; kh++) {
                const th = oh + ph - kh * dh;
                if (th < 0 || th % sh != 0) continue;
                const ih = th / sh;
                if (ih >= H) continue;
                const row = xg + (<usize>((n * H + ih) * W) * <usize>C << 2);
                for (let kw = 0; kw < KW; kw++) {
                  const tw = ow + pw - kw * dw;
                  // Same phase for all 4 pixels: tw advances by sw, so tw % sw is shared.
                  if (((tw % sw) + sw) % sw != 0) continue;
                  const iw0 = tw >= 0 ? tw / sw : -((-tw + sw - 1) / sw);
                  let p0 = zeros, p1 = zeros, p2 = zeros, p3 = zeros;
                  if (iw0 >= 0 && iw0 < W) p0 = row + (<usize>(iw0 * C) << 2);
                  if (np > 1 && iw0 + 1 >= 0 && iw0 + 1 < W) p1 = row + (<usize>((iw0 + 1) * C) << 2);
                  if (np > 2 && iw0 + 2 >= 0 && iw0 + 2 < W) p2 = row + (<usize>((iw0 + 2) * C) << 2);
                  if (np > 3 && iw0 + 3 >= 0 && iw0 + 3 < W) p3 = row + (<usize>((iw0 + 3) * C) << 2);
                  let wp = w + ((<usize>(((g * KH + kh) * KW + kw) * cg) * <usize>mgP + <usize>cb) << 2);
                  for (let c = 0; c < cg; c++) {
                    const w0 = v128.load(wp), w1 = v128.load(wp + 16);
                    const off = <usize>c << 2;
                    const v0 = f32x4.splat(load<f32>(p0 + off));
                    const v1 = f32x4.splat(load<f32>(p1 + off));
                    const v2 = f32x4.splat(load<f32>(p2 + off));
                    const v3 = f32x4.splat(load<f32>(p3 + off));
                    a0 = f32x4.add(a0, f32x4.mul(v0, w0));
                    b0 = f32x4.add(b0, f32x4.mul(v0, w1));
                    a1 = f32x4.add(a1, f32x4.mul(v1, w0));
                    b1 = f32x4.add(b1, f32x4.mul(v1, w1));
                    a2 = f32x4.add(a2, f32x4.mul(v2, w0));
                    b2 = f32x4.add(b2, f32x4.mul(v2, w1));
                    a3 = f32x4.add(a3, f32x4.mul(v3, w0));
                    b3 = f32x4.add(b3, f32x4.mul(v3, w1));
                    wp += wStep;
                  }
                }
              }
              const count = mg - cb;
              const out = y + ((<usize>((n * OH + oh) * OW + ow) * <usize>M + <usize>(g * mg + cb)) << 2);
              const step = <usize>sw * px;
              store8(out, act4(a0, kind, q0, q1), act4(b0, kind, q0, q1), count);
              if (np > 1) store8(out + step, act4(a1, kind, q0, q1), act4(b1, kind, q0, q1), count);
              if (np > 2) store8(out + 2 * step, act4(a2, kind, q0, q1), act4(b2, kind, q0, q1), count);
              if (np > 3) store8(out + 3 * step, act4(a3, kind, q0, q1), act4(b3, kind, q0, q1), count);
            }
          }
        }
      }
    }
  }
}
