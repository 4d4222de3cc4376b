import type { Tensor } from '../../tensor.js';
import type { Axis2d } from '../ref/kernels/conv.js';
import type { Ctx, Step } from './context.js';
import type { Val } from './values.js';

/** assembly/winograd.ts: tiles per block and the scratch it needs. */
const TB = 16;
export function winogradScratchBytes(c: number, m: number): number {
  return (16 * TB * (((c + 3) & ~3) + ((m + 7) & ~7)) + 16) * 4;
}

/** assembly/winograd4.ts (F(4×4, 3×3), 8 tiles per block). */
export function winograd4ScratchBytes(c: number, m: number): number {
  return 36 * 8 * (((c + 3) & ~3) + ((m + 7) & ~7)) * 4 + 36 * 4 + 36 * 16 + 64;
}

/** Bytes between threads' tile scratch (each thread of a threaded session has its own). */
export function winogradThreadStride(c: number, m: number): number {
  return (Math.max(winogradScratchBytes(c, m), winograd4ScratchBytes(c, m)) + 63) & ~63;
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
    winogradThreadStride(c, m) <= scratchBytes
  );
}

/** Filter transforms G of F(2, 3) (4×3) and F(4, 3) (6×3). */
const G2 = [
  [1, 0, 0],
  [0.5, 0.5, 0.5],
  [0.5, -0.5, 0.5],
  [0, 0, 1],
];
export const G4 = [
  [1 / 4, 0, 0],
  [-1 / 6, -1 / 6, -1 / 6],
  [-1 / 6, 1 / 6, -1 / 6],
  [1 / 24, 1 / 12, 1 / 6],
  [1 / 24, -1 / 12, 1 / 6],
  [0, 0, 1],
];

/** U[xi][c][mP] = (G g G^T)[xi] for g = w[m, c] (3×3), computed in doubles. */
function transformWeights(w: Tensor, c: number, m: number, G: number[][]): Float32Array {
  const mP = (m + 7) & ~7;
  const a = G.length;
  const wd = w.data as Float32Array;
  const u = new Float32Array(a * a * c * mP);
  const gg = new Array<number>(a * 3);
  for (let o = 0; o < m; o++) {
    for (let ci = 0; ci < c; ci++) {
      const base = (o * c + ci) * 9;
      // gg = G g (a×3), then U = gg G^T (a×a).
      for (let i = 0; i < a; i++) {
        for (let j = 0; j < 3; j++) {
          let s = 0;
          for (let k = 0; k < 3; k++) s += (G[i]?.[k] as number) * (wd[base + k * 3 + j] as number);
          gg[i * 3 + j] = s;
        }
      }
      for (let i = 0; i < a; i++) {
        for (let j = 0; j < a; j++) {
          let s = 0;
          for (let k = 0; k < 3; k++) s += (gg[i * 3 + k] as number) * (G[j]?.[k] as number);
          u[((i * a + j) * c + ci) * mP + o] = s;
        }
      }
    }
  }
  return u;
}

/** Tile origins along an axis: outputs o with floor(o / d) % r == 0 start a tile o, o+d, ..., o+(r-1)d. */
function origins(out: number, d: number, r: number): Int32Array {
  const list: number[] = [];
  for (let o = 0; o < out; o++) if (Math.floor(o / d) % r === 0) list.push(o);
  return Int32Array.from(list);
}

/**
 * F(4×4, 3×3) when its tiles cost less than F(2×2, 3×3)'s: 36 products per 4×4 tile against 16
 * per 2×2, counted over the tiles each needs on the (dilated) lattice — F(4) wastes tiles where a
 * map is small against 4 × the dilation.
 */
export function useWinograd4(h: Axis2d, w: Axis2d): boolean {
  const tiles = (r: number) => origins(h.out, h.dilation, r).length * origins(w.out, w.dilation, r).length;
  return 36 * tiles(4) < 0.8 * 16 * tiles(2);
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
  /** Transformed weights already uploaded, by kind (KSAC: one weight tensor at several rates). */
  shared?: Map<'f2' | 'f4', number>,
): Step {
  const [N, C] = x.dims as [number, number];
  const M = w.dims[0] as number;
  const mP = (M + 7) & ~7;
  const four = ctx.winograd4 && useWinograd4(h, wa);
  const r = four ? 4 : 2;
  const u = shared?.get(four ? 'f4' : 'f2') ?? ctx.upload(transformWeights(w, C, M, four ? G4 : G2));
  shared?.set(four ? 'f4' : 'f2', u);
  const b = new Float32Array(mP);
  if (bias) b.set(bias.data as Float32Array);
  const pb = ctx.upload(b);
  const rows = origins(h.out, h.dilation, r);
  const cols = origins(wa.out, wa.dilation, r);
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
  if (four) return () => ctx.k.winograd4Nhwc(x.ptr, u, pb, y.ptr, zeros, scratch, ...args);
  return () => ctx.k.winogradNhwc(x.ptr, u, pb, y.ptr, zeros, scratch, ...args);
}
