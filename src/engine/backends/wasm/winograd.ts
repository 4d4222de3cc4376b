import type { Tensor } from '../../tensor.js';
import type { Axis2d } from '../ref/kernels/conv.js';
import type { Ctx, Step } from './context.js';
import type { Val } from './values.js';

/** assembly/winograd.ts: tiles per block and the scratch it needs. */
const TB = 16;
export function winogradScratchBytes(c: number, m: number): number {
  return (16 * TB * (((c + 3) & ~3) + ((m + 7) & ~7)) + 16) * 4;
}

/** Winograd F(2×2, 3×3) pays off for stride-1, ungrouped 3×3 convs with enough channels. */
export function winogradApplies(
  h: Axis2d,
  w: Axis2d,
  group: number,
  c: number,
  m: number,
  scratchBytes: number,
) {
  return (
    group === 1 &&
    h.k === 3 &&
    w.k === 3 &&
    h.stride === 1 &&
    w.stride === 1 &&
    c >= 8 &&
    m >= 8 &&
    h.out >= 2 &&
    w.out >= 2 &&
    winogradScratchBytes(c, m) <= scratchBytes
  );
}

/** U[xi][c][mP] = (G g G^T)[xi] for g = w[m, c] (3×3), G the F(2, 3) filter transform. */
function transformWeights(w: Tensor, c: number, m: number): Float32Array {
  const mP = (m + 7) & ~7;
  const G = [
    [1, 0, 0],
    [0.5, 0.5, 0.5],
    [0.5, -0.5, 0.5],
    [0, 0, 1],
  ];
  const wd = w.data as Float32Array;
  const u = new Float32Array(16 * c * mP);
  const gg = new Array<number>(12);
  for (let o = 0; o < m; o++) {
    for (let ci = 0; ci < c; ci++) {
      const base = (o * c + ci) * 9;
      // gg = G g (4×3), then U = gg G^T (4×4).
      for (let i = 0; i < 4; i++) {
        for (let j = 0; j < 3; j++) {
          let s = 0;
          for (let k = 0; k < 3; k++) s += (G[i]?.[k] as number) * (wd[base + k * 3 + j] as number);
          gg[i * 3 + j] = s;
        }
      }
      for (let i = 0; i < 4; i++) {
        for (let j = 0; j < 4; j++) {
          let s = 0;
          for (let k = 0; k < 3; k++) s += (gg[i * 3 + k] as number) * (G[j]?.[k] as number);
          u[((i * 4 + j) * c + ci) * mP + o] = s;
        }
      }
    }
  }
  return u;
}

/** Tile origins along an axis: outputs o with floor(o / d) even pair with o + d. */
function origins(out: number, d: number): Int32Array {
  const list: number[] = [];
  for (let o = 0; o < out; o++) if (Math.floor(o / d) % 2 === 0) list.push(o);
  return Int32Array.from(list);
}

export function compileWinograd(
  ctx: Ctx,
  x: Val,
  y: Val,
  w: Tensor,
  bias: Tensor | undefined,
  h: Axis2d,
  wa: Axis2d,
  act: [number, number, number],
): Step {
  const [N, C] = x.dims as [number, number];
  const M = w.dims[0] as number;
  const mP = (M + 7) & ~7;
  const u = ctx.upload(transformWeights(w, C, M));
  const b = new Float32Array(mP);
  if (bias) b.set(bias.data as Float32Array);
  const pb = ctx.upload(b);
  const rows = origins(h.out, h.dilation);
  const cols = origins(wa.out, wa.dilation);
  const rowTab = ctx.upload(rows);
  const colTab = ctx.upload(cols);
  const zeros = ctx.alloc(((C + 3) & ~3) * 4 + 64);
  const scratch = ctx.scratch(1);
  const args = [
    rowTab,
    rows.length,
    colTab,
    cols.length,
    N,
    h.inSize,
    wa.inSize,
    C,
    h.out,
    wa.out,
    M,
    h.dilation,
    wa.dilation,
    h.padBegin,
    wa.padBegin,
    ...act,
  ];
  return () => ctx.k.winogradNhwc(x.ptr, u, pb, y.ptr, zeros, scratch, ...args);
}
