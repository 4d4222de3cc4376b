import { Tensor } from '../../src/engine/tensor.js';

/**
 * Straightforward NHWC float kernels following TFLite's reference kernels
 * (tensorflow/lite/kernels/internal/reference/*), written independently of atrous's NCHW ops: the
 * oracle for the TFLite importer's op-mapping tests. Loops are plain and slow on purpose.
 */

export type Pad = 'SAME' | 'VALID';

export function nhwc(dims: number[], data: ArrayLike<number>): Tensor<'float32'> {
  return new Tensor('float32', dims, Float32Array.from(data));
}

/** TFLite ComputePaddingHeightWidth for one axis: [output size, padding before]. */
export function tflPadding(
  pad: Pad,
  inSize: number,
  k: number,
  stride: number,
  dil: number,
): [number, number] {
  const eff = (k - 1) * dil + 1;
  const out =
    pad === 'SAME'
      ? Math.floor((inSize + stride - 1) / stride)
      : Math.floor((inSize + stride - eff) / stride);
  const total = Math.max((out - 1) * stride + eff - inSize, 0);
  return [out, Math.floor(total / 2)];
}

export interface ConvParams {
  pad: Pad;
  stride: [number, number];
  dilation?: [number, number];
}

const at4 = (t: Tensor, a: number, b: number, c: number, d: number): number =>
  t.get(((a * (t.dims[1] as number) + b) * (t.dims[2] as number) + c) * (t.dims[3] as number) + d);

/** CONV_2D: filter OHWI; groups when the filter has fewer input channels than the input. */
export function conv2d(
  x: Tensor,
  f: Tensor,
  bias: ArrayLike<number> | undefined,
  p: ConvParams,
): Tensor<'float32'> {
  const [N, H, W, C] = x.dims as [number, number, number, number];
  const [O, KH, KW, I] = f.dims as [number, number, number, number];
  const [dh, dw] = p.dilation ?? [1, 1];
  const [OH, ph] = tflPadding(p.pad, H, KH, p.stride[0], dh);
  const [OW, pw] = tflPadding(p.pad, W, KW, p.stride[1], dw);
  const groupOut = O / (C / I);
  const out = new Float32Array(N * OH * OW * O);
  for (let n = 0; n < N; n++)
    for (let oy = 0; oy < OH; oy++)
      for (let ox = 0; ox < OW; ox++)
        for (let o = 0; o < O; o++) {
          const g = Math.floor(o / groupOut);
          let s = bias ? (bias[o] as number) : 0;
          for (let ky = 0; ky < KH; ky++)
            for (let kx = 0; kx < KW; kx++) {
              const iy = oy * p.stride[0] - ph + ky * dh;
              const ix = ox * p.stride[1] - pw + kx * dw;
              if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
              for (let i = 0; i < I; i++) s += at4(x, n, iy, ix, g * I + i) * at4(f, o, ky, kx, i);
            }
          out[((n * OH + oy) * OW + ox) * O + o] = s;
        }
  return nhwc([N, OH, OW, O], out);
}

/** DEPTHWISE_CONV_2D: filter [1, KH, KW, C*M]; output channel c*M + m reads input channel c. */
export function depthwiseConv2d(
  x: Tensor,
  f: Tensor,
  bias: ArrayLike<number> | undefined,
  p: ConvParams,
): Tensor<'float32'> {
  const [N, H, W, C] = x.dims as [number, number, number, number];
  const [, KH, KW, CM] = f.dims as [number, number, number, number];
  const M = CM / C;
  const [dh, dw] = p.dilation ?? [1, 1];
  const [OH, ph] = tflPadding(p.pad, H, KH, p.stride[0], dh);
  const [OW, pw] = tflPadding(p.pad, W, KW, p.stride[1], dw);
  const out = new Float32Array(N * OH * OW * CM);
  for (let n = 0; n < N; n++)
    for (let oy = 0; oy < OH; oy++)
      for (let ox = 0; ox < OW; ox++)
        for (let c = 0; c < C; c++)
          for (let m = 0; m < M; m++) {
            const oc = c * M + m;
            let s = bias ? (bias[oc] as number) : 0;
            for (let ky = 0; ky < KH; ky++)
              for (let kx = 0; kx < KW; kx++) {
                const iy = oy * p.stride[0] - ph + ky * dh;
                const ix = ox * p.stride[1] - pw + kx * dw;
                if (iy >= 0 && iy < H && ix >= 0 && ix < W) s += at4(x, n, iy, ix, c) * at4(f, 0, ky, kx, oc);
              }
            out[((n * OH + oy) * OW + ox) * CM + oc] = s;
          }
  return nhwc([N, OH, OW, CM], out);
}

/** AVERAGE_POOL_2D (divides by the number of in-bounds taps) / MAX_POOL_2D. */
export function pool2d(x: Tensor, k: [number, number], p: ConvParams, max: boolean): Tensor<'float32'> {
  const [N, H, W, C] = x.dims as [number, number, number, number];
  const [OH, ph] = tflPadding(p.pad, H, k[0], p.stride[0], 1);
  const [OW, pw] = tflPadding(p.pad, W, k[1], p.stride[1], 1);
  const out = new Float32Array(N * OH * OW * C);
  for (let n = 0; n < N; n++)
    for (let oy = 0; oy < OH; oy++)
      for (let ox = 0; ox < OW; ox++)
        for (let c = 0; c < C; c++) {
          let s = max ? Number.NEGATIVE_INFINITY : 0;
          let count = 0;
          for (let ky = 0; ky < k[0]; ky++)
            for (let kx = 0; kx < k[1]; kx++) {
              const iy = oy * p.stride[0] - ph + ky;
              const ix = ox * p.stride[1] - pw + kx;
              if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
              const v = at4(x, n, iy, ix, c);
              s = max ? Math.max(s, v) : s + v;
              count++;
            }
          out[((n * OH + oy) * OW + ox) * C + c] = max ? s : s / count;
        }
  return nhwc([N, OH, OW, C], out);
}

/** TFLite TransposeConv (and MediaPipe's variant): scatter input (y, x) to y*s - pad + ky, drop out-of-range. */
export function transposeConv(
  x: Tensor,
  f: Tensor,
  bias: ArrayLike<number> | undefined,
  out: [number, number],
  pad: [number, number],
  stride: [number, number],
): Tensor<'float32'> {
  const [N, H, W, C] = x.dims as [number, number, number, number];
  const [O, KH, KW] = f.dims as [number, number, number, number];
  const [OH, OW] = out;
  const y = new Float32Array(N * OH * OW * O);
  for (let n = 0; n < N; n++) {
    for (let i = 0; i < OH * OW; i++)
      for (let o = 0; o < O; o++) y[(n * OH * OW + i) * O + o] = bias ? (bias[o] as number) : 0;
    for (let iy = 0; iy < H; iy++)
      for (let ix = 0; ix < W; ix++)
        for (let c = 0; c < C; c++)
          for (let ky = 0; ky < KH; ky++)
            for (let kx = 0; kx < KW; kx++)
              for (let o = 0; o < O; o++) {
                const oy = iy * stride[0] - pad[0] + ky;
                const ox = ix * stride[1] - pad[1] + kx;
                if (oy < 0 || oy >= OH || ox < 0 || ox >= OW) continue;
                y[((n * OH + oy) * OW + ox) * O + o] =
                  (y[((n * OH + oy) * OW + ox) * O + o] as number) +
                  at4(x, n, iy, ix, c) * at4(f, o, ky, kx, c);
              }
  }
  return nhwc([N, OH, OW, O], y);
}

/** TFLite ResizeBilinear (reference_ops: ComputeInterpolationValues, float32 coordinates). */
export function resizeBilinear(
  x: Tensor,
  OH: number,
  OW: number,
  align: boolean,
  half: boolean,
): Tensor<'float32'> {
  const [N, H, W, C] = x.dims as [number, number, number, number];
  const scale = (inS: number, outS: number) =>
    Math.fround(align && outS > 1 ? (inS - 1) / (outS - 1) : inS / outS);
  const sy = scale(H, OH);
  const sx = scale(W, OW);
  const coord = (v: number, s: number, size: number): [number, number, number] => {
    const src = Math.fround(half ? (v + 0.5) * s - 0.5 : v * s);
    const lo = Math.max(Math.floor(src), 0);
    const hi = Math.min(Math.ceil(src), size - 1);
    return [src, lo, hi];
  };
  const out = new Float32Array(N * OH * OW * C);
  for (let n = 0; n < N; n++)
    for (let y = 0; y < OH; y++) {
      const [fy, y0, y1] = coord(y, sy, H);
      for (let xx = 0; xx < OW; xx++) {
        const [fx, x0, x1] = coord(xx, sx, W);
        for (let c = 0; c < C; c++) {
          const v =
            at4(x, n, y0, x0, c) * (1 - (fy - y0)) * (1 - (fx - x0)) +
            at4(x, n, y1, x0, c) * (fy - y0) * (1 - (fx - x0)) +
            at4(x, n, y0, x1, c) * (1 - (fy - y0)) * (fx - x0) +
            at4(x, n, y1, x1, c) * (fy - y0) * (fx - x0);
          out[((n * OH + y) * OW + xx) * C + c] = v;
        }
      }
    }
  return nhwc([N, OH, OW, C], out);
}

/** TFLite ResizeNearestNeighbor (reference_ops GetNearestNeighbor). */
export function resizeNearest(
  x: Tensor,
  OH: number,
  OW: number,
  align: boolean,
  half: boolean,
): Tensor<'float32'> {
  const [N, H, W, C] = x.dims as [number, number, number, number];
  const scale = (inS: number, outS: number) =>
    Math.fround(align && outS > 1 ? (inS - 1) / (outS - 1) : inS / outS);
  const nn = (v: number, s: number, size: number) => {
    const off = half ? 0.5 : 0;
    const src = Math.fround((v + off) * s);
    let o = Math.min(align ? Math.round(src) : Math.floor(src), size - 1);
    if (half) o = Math.max(0, o);
    return o;
  };
  const sy = scale(H, OH);
  const sx = scale(W, OW);
  const out = new Float32Array(N * OH * OW * C);
  for (let n = 0; n < N; n++)
    for (let y = 0; y < OH; y++)
      for (let xx = 0; xx < OW; xx++)
        for (let c = 0; c < C; c++)
          out[((n * OH + y) * OW + xx) * C + c] = at4(x, n, nn(y, sy, H), nn(xx, sx, W), c);
  return nhwc([N, OH, OW, C], out);
}

/** Element index → multi-index for row-major dims. */
function unravel(i: number, dims: readonly number[]): number[] {
  const idx = new Array<number>(dims.length);
  for (let a = dims.length - 1; a >= 0; a--) {
    idx[a] = i % (dims[a] as number);
    i = Math.floor(i / (dims[a] as number));
  }
  return idx;
}

function ravel(idx: readonly number[], dims: readonly number[]): number {
  return idx.reduce((acc, v, a) => acc * (dims[a] as number) + v, 0);
}

/** NumPy-broadcast binary op (TFLite ADD/SUB/MUL). */
export function binary(a: Tensor, b: Tensor, f: (x: number, y: number) => number): Tensor<'float32'> {
  const rank = Math.max(a.rank, b.rank);
  const pad = (d: readonly number[]) => [...new Array<number>(rank - d.length).fill(1), ...d];
  const da = pad(a.dims);
  const db = pad(b.dims);
  const dims = da.map((d, i) => Math.max(d, db[i] as number));
  const n = dims.reduce((p, d) => p * d, 1);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const idx = unravel(i, dims);
    const ia = ravel(
      idx.map((v, k) => ((da[k] as number) === 1 ? 0 : v)),
      da,
    );
    const ib = ravel(
      idx.map((v, k) => ((db[k] as number) === 1 ? 0 : v)),
      db,
    );
    out[i] = f(a.get(ia), b.get(ib));
  }
  return nhwc(dims, out);
}

export function map(x: Tensor, f: (v: number) => number): Tensor<'float32'> {
  return nhwc(
    [...x.dims],
    Array.from({ length: x.size }, (_, i) => f(x.get(i))),
  );
}

export const relu = (v: number) => Math.max(0, v);
export const relu6 = (v: number) => Math.min(6, Math.max(0, v));
export const reluN1To1 = (v: number) => Math.min(1, Math.max(-1, v));
export const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
export const hardSwish = (v: number) => (v * Math.min(6, Math.max(0, v + 3))) / 6;

export function transpose(x: Tensor, perm: number[]): Tensor<'float32'> {
  const dims = perm.map((p) => x.dims[p] as number);
  const out = new Float32Array(x.size);
  for (let i = 0; i < x.size; i++) {
    const idx = unravel(i, dims);
    const src = new Array<number>(dims.length);
    perm.forEach((p, k) => {
      src[p] = idx[k] as number;
    });
    out[i] = x.get(ravel(src, x.dims));
  }
  return nhwc(dims, out);
}

export function concat(xs: Tensor[], axis: number): Tensor<'float32'> {
  const dims = [...(xs[0] as Tensor).dims];
  dims[axis] = xs.reduce((s, t) => s + (t.dims[axis] as number), 0);
  const n = dims.reduce((p, d) => p * d, 1);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const idx = unravel(i, dims);
    let k = 0;
    let pos = idx[axis] as number;
    while (pos >= ((xs[k] as Tensor).dims[axis] as number)) pos -= (xs[k++] as Tensor).dims[axis] as number;
    idx[axis] = pos;
    out[i] = (xs[k] as Tensor).get(ravel(idx, (xs[k] as Tensor).dims));
  }
  return nhwc(dims, out);
}

/** PAD with zeros; paddings[axis] = [before, after]. */
export function pad(x: Tensor, paddings: [number, number][]): Tensor<'float32'> {
  const dims = x.dims.map(
    (d, a) => d + (paddings[a] as [number, number])[0] + (paddings[a] as [number, number])[1],
  );
  const n = dims.reduce((p, d) => p * d, 1);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const idx = unravel(i, dims).map((v, a) => v - (paddings[a] as [number, number])[0]);
    if (idx.every((v, a) => v >= 0 && v < (x.dims[a] as number))) out[i] = x.get(ravel(idx, x.dims));
  }
  return nhwc(dims, out);
}

export function mean(x: Tensor, axes: number[], keep: boolean): Tensor<'float32'> {
  const keptDims = x.dims.map((d, a) => (axes.includes(a) ? 1 : d));
  const n = keptDims.reduce((p, d) => p * d, 1);
  const sums = new Float64Array(n);
  const count = x.size / n;
  for (let i = 0; i < x.size; i++) {
    const idx = unravel(i, x.dims).map((v, a) => (axes.includes(a) ? 0 : v));
    sums[ravel(idx, keptDims)] = (sums[ravel(idx, keptDims)] as number) + x.get(i);
  }
  const dims = keep ? keptDims : x.dims.filter((_, a) => !axes.includes(a));
  return nhwc(
    dims,
    Array.from(sums, (s) => s / count),
  );
}

/** SOFTMAX over the last axis with beta. */
export function softmax(x: Tensor, beta: number): Tensor<'float32'> {
  const last = x.dims[x.rank - 1] as number;
  const out = new Float32Array(x.size);
  for (let r = 0; r < x.size / last; r++) {
    let mx = Number.NEGATIVE_INFINITY;
    for (let k = 0; k < last; k++) mx = Math.max(mx, x.get(r * last + k));
    let s = 0;
    for (let k = 0; k < last; k++) s += Math.exp(beta * (x.get(r * last + k) - mx));
    for (let k = 0; k < last; k++) out[r * last + k] = Math.exp(beta * (x.get(r * last + k) - mx)) / s;
  }
  return nhwc([...x.dims], out);
}

/** FULLY_CONNECTED: rows of `depth` input values times W (units x depth) + bias. */
export function fullyConnected(x: Tensor, w: Tensor, bias: ArrayLike<number> | undefined): Tensor<'float32'> {
  const [units, depth] = w.dims as [number, number];
  const rows = x.size / depth;
  const out = new Float32Array(rows * units);
  for (let r = 0; r < rows; r++)
    for (let u = 0; u < units; u++) {
      let s = bias ? (bias[u] as number) : 0;
      for (let k = 0; k < depth; k++) s += x.get(r * depth + k) * w.get(u * depth + k);
      out[r * units + u] = s;
    }
  return nhwc([rows, units], out);
}
