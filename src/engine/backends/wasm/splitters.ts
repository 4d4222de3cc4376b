import { resizeTmpBytes } from './compile-resize.js';
import type { Kernels } from './kernels.js';
import {
  awakeMinWork,
  byAxis,
  byElements,
  byOuter,
  byRows,
  byTileRows,
  type Call,
  ELEMENT_WORK,
  imageRuns,
  ranges,
  type Splitter,
  splitAxis,
} from './split.js';
import { splitWinogradLine } from './winograd-line.js';
import { splitWinogradTranspose } from './winograd-transpose.js';

/**
 * Kernels whose slices need no per-task scratch (per-thread scratch, Call.scratch, is fine), so a
 * call may split into more tasks than threads (split.ts: TASKS_PER_THREAD). The others (1-D and
 * transposed Winograd, whose splitters hand task t scratch slice t) split into one task per thread.
 */
export const FINE_GRAINED: ReadonlySet<keyof Kernels> = new Set<keyof Kernels>([
  'convNhwc',
  'conv1x1Nhwc',
  'winogradNhwc',
  'winograd4Nhwc',
  'resizeNhwc',
  'resizeNchw',
  'convTransposeNhwc',
  'convDepthwiseNhwc',
  'convDepthwiseNchw',
  'poolNhwc',
  'globalAvgPoolNhwc',
  'unary',
  'fill',
  'castI64F32',
  'binaryStrided',
  'copyStrided',
  'gatherAxes',
  'softmaxAxis',
  'argmaxAxis',
  'reduceRows',
  'matmul',
  'crfSplat',
  'crfBlurDir',
  'crfSliceSoftmax',
]);

/**
 * How each kernel's calls split across threads (split.ts has the shapes of split): argument
 * positions per kernel, as the kernels take them (assembly/*.ts).
 */
const cConv = (a: readonly number[]) =>
  ((a[12] as number) * (a[13] as number) * (a[8] as number)) / (a[20] as number);

export const SPLITTERS: Partial<Record<keyof Kernels, Splitter>> = {
  // convNhwc(x, w, bias, y, zeros, N, H, W, C, OH, OW, M, KH, KW, sh, sw, dh, dw, ph, pw, group, ...)
  convNhwc: byRows({
    name: 'convNhwc',
    x: 0,
    y: 3,
    N: 5,
    H: 6,
    W: 7,
    C: 8,
    OH: 9,
    OW: 10,
    M: 11,
    cost: cConv,
    shift: (b, a, oh0) => {
      b[18] = (a[18] as number) - oh0 * (a[14] as number);
    },
  }),
  // conv1x1Nhwc(x, w, bias, y, P, C, M, ...): runs of pixels, 4 at a time; one pixel (a
  // squeeze-excite 1×1 after global pooling) in blocks of 8 output channels.
  conv1x1Nhwc: (a, threads, minWork, asleep) => {
    const [P, C, M] = [a[4], a[5], a[6]] as number[];
    if ((P as number) === 1) return conv1x1ByChannels(a, threads, awakeMinWork(minWork, asleep));
    if ((P as number) < 8 || (P as number) * (C as number) * (M as number) < minWork) return undefined;
    return ranges(P as number, threads, 4).map(([p0, p1]) => {
      const b = [...a];
      b[0] = (a[0] as number) + p0 * (C as number) * 4;
      b[3] = (a[3] as number) + p0 * (M as number) * 4;
      b[4] = p1 - p0;
      return [{ name: 'conv1x1Nhwc' as const, args: b }];
    });
  },
  // convTransposeNhwc: same arguments; output row oh reads input row (oh + ph - kh*dh) / sh.
  convTransposeNhwc: byRows({
    name: 'convTransposeNhwc',
    x: 0,
    y: 3,
    N: 5,
    H: 6,
    W: 7,
    C: 8,
    OH: 9,
    OW: 10,
    M: 11,
    cost: cConv,
    shift: (b, a, oh0) => {
      b[18] = (a[18] as number) + oh0;
    },
  }),
  // convDepthwiseNhwc(x, w, bias, y, N, H, W, C, OH, OW, KH, KW, sh, sw, dh, dw, ph, pw, ...)
  convDepthwiseNhwc: byRows({
    name: 'convDepthwiseNhwc',
    x: 0,
    y: 3,
    N: 4,
    H: 5,
    W: 6,
    C: 7,
    OH: 8,
    OW: 9,
    M: 7,
    cost: (a) => (a[10] as number) * (a[11] as number),
    shift: (b, a, oh0) => {
      b[16] = (a[16] as number) - oh0 * (a[12] as number);
    },
  }),
  // convDepthwiseNchw(x, w, bias, y, C, H, W, OH, OW, KH, KW, sh, sw, dh, dw, ph, pw, kind, q0, q1,
  // r0, r1): runs of the N·C·OH output rows, each row computed whole by one task.
  convDepthwiseNchw: (a, parts, minWork) => {
    const [OW, KH, KW, r0, r1] = [8, 9, 10, 20, 21].map((i) => a[i] as number) as number[];
    const rows = (r1 as number) - (r0 as number);
    if (rows < 2 || rows * (OW as number) * (KH as number) * (KW as number) < minWork) return undefined;
    return ranges(rows, parts).map(([s0, s1]) => [
      {
        name: 'convDepthwiseNchw' as const,
        args: [...a.slice(0, 20), (r0 as number) + s0, (r0 as number) + s1],
      },
    ]);
  },
  // poolNhwc(x, y, N, H, W, C, OH, OW, KH, KW, sh, sw, dh, dw, ph, pw, padEndH, padEndW, mode)
  poolNhwc: byRows({
    name: 'poolNhwc',
    x: 0,
    y: 1,
    N: 2,
    H: 3,
    W: 4,
    C: 5,
    OH: 6,
    OW: 7,
    M: 5,
    cost: (a) => (a[8] as number) * (a[9] as number),
    shift: (b, a, oh0) => {
      b[14] = (a[14] as number) - oh0 * (a[10] as number);
    },
  }),
  // resizeNhwc(x, y, rowTab, colTab, tmp, N, H, W, C, OH, OW): row taps are 12 bytes each; every
  // thread has its own row cache (OW·C floats a row).
  resizeNhwc: awake(
    byRows({
      name: 'resizeNhwc',
      x: 0,
      y: 1,
      N: 5,
      H: 6,
      W: 7,
      C: 8,
      OH: 9,
      OW: 10,
      M: 8,
      cost: () => RESIZE_WORK,
      shift: (b, a, oh0) => {
        b[2] = (a[2] as number) + oh0 * 12;
      },
      scratch: (a) => ({ arg: 4, stride: resizeTmpBytes((a[10] as number) * (a[8] as number)) }),
    }),
  ),
  // resizeNchw(x, y, rowTab, colTab, tmp, P, H, W, OH, OW): rows of the P·OH output rows (whole
  // planes of a slice in one call); every thread has its own row cache.
  resizeNchw: (a, threads, minWork, asleep) => {
    const [P, H, W, OH, OW] = [5, 6, 7, 8, 9].map((i) => a[i] as number) as number[];
    const rows = (P as number) * (OH as number);
    if (rows < 2 || rows * (OW as number) * RESIZE_WORK < awakeMinWork(minWork, asleep)) return undefined;
    const scratch = { arg: 4, stride: resizeTmpBytes(OW as number) };
    return ranges(rows, threads).map(([r0, r1]) =>
      imageRuns(OH as number, r0, r1).map(({ n, count, oh0, oh1 }): Call => {
        const b = [...a];
        b[0] = (a[0] as number) + n * (H as number) * (W as number) * 4;
        b[1] = (a[1] as number) + (n * (OH as number) + oh0) * (OW as number) * 4;
        b[2] = (a[2] as number) + oh0 * 12;
        b[5] = count;
        b[8] = oh1 - oh0;
        return { name: 'resizeNchw', args: b, scratch };
      }),
    );
  },
  winogradNhwc: byTileRows('winogradNhwc'),
  winograd4Nhwc: byTileRows('winograd4Nhwc'),
  winogradTransposeNhwc: splitWinogradTranspose,
  winogradLineNhwc: splitWinogradLine,
  // globalAvgPoolNhwc(x, y, N, HW, C) → globalAvgPoolRange over blocks of 4 channels.
  globalAvgPoolNhwc: (a, threads, minWork) => {
    const [N, HW, C] = [a[2], a[3], a[4]] as number[];
    if ((C as number) < 8 || (N as number) * (HW as number) * (C as number) < minWork) return undefined;
    return ranges(C as number, threads, 4).map(([c0, c1]) => [
      { name: 'globalAvgPoolRange' as const, args: [...a, c0, c1] },
    ]);
  },
  // unary(src, dst, n, kind, p0, p1), fill(dst, n, value), castI64F32(src, dst, n)
  unary: byElements(
    'unary',
    2,
    [
      [0, 4],
      [1, 4],
    ],
    ELEMENT_WORK,
  ),
  fill: byElements('fill', 1, [[0, 4]]),
  castI64F32: byElements('castI64F32', 2, [
    [0, 8],
    [1, 4],
  ]),
  // binaryStrided(op, a, b, y, d0..d3, as0..as3, bs0..bs3): y row-major over the dims.
  binaryStrided: byAxis('binaryStrided', 4, [1, 2], [8, 12], 3, ELEMENT_WORK),
  // copyStrided(src, dst, d0..d3, s0..s3, t0..t3)
  copyStrided: byAxis('copyStrided', 2, [0, 1], [6, 10], undefined),
  // gatherAxes(src, dst, d0..d3, t0..t3): offset tables per axis; dst row-major.
  gatherAxes: (a, threads, minWork) => {
    const split = byAxis('gatherAxes', 2, [], [], 1);
    const parts = split(a, threads, minWork);
    if (!parts) return undefined;
    // Tables hold element offsets per index: advance the split axis's table by the slice start.
    const dims = [0, 1, 2, 3].map((i) => a[2 + i] as number);
    const axis = splitAxis(dims, threads, true);
    const inner = dims.slice(axis + 1).reduce((x, y) => x * y, 1);
    for (const [call] of parts) {
      const b = (call as Call).args;
      const i0 = ((b[1] as number) - (a[1] as number)) / 4 / inner;
      b[6 + axis] = (a[6 + axis] as number) + i0 * 4;
    }
    return parts;
  },
  softmaxAxis: byOuter('softmaxAxis', 4, false),
  argmaxAxis: byOuter('argmaxAxis', 8, true),
  // reduceRows(x, y, rows, len, mode)
  reduceRows: (a, threads, minWork) => {
    const [rows, len] = [a[2], a[3]] as number[];
    if ((rows as number) < 2 || (rows as number) * (len as number) < minWork) return undefined;
    return ranges(rows as number, threads).map(([r0, r1]) => [
      {
        name: 'reduceRows' as const,
        args: [
          (a[0] as number) + r0 * (len as number) * 4,
          (a[1] as number) + r0 * 4,
          r1 - r0,
          ...a.slice(3),
        ],
      },
    ]);
  },
  // matmul(a, b, bias, y, M, K, N, biasRow, ...): rows of the output, 2 at a time.
  matmul: (a, threads, minWork) => {
    const [M, K, N, biasRow] = [a[4], a[5], a[6], a[7]] as number[];
    if ((M as number) < 2 || (M as number) * (K as number) * (N as number) < minWork) return undefined;
    return ranges(M as number, threads, 2).map(([m0, m1]) => {
      const b = [...a];
      b[0] = (a[0] as number) + m0 * (K as number) * 4;
      if (a[2] !== 0) b[2] = (a[2] as number) + m0 * (biasRow as number) * 4;
      b[3] = (a[3] as number) + m0 * (N as number) * 4;
      b[4] = m1 - m0;
      return [{ name: 'matmul' as const, args: b }];
    });
  },
  // Dense CRF (assembly/crf.ts): every phase writes each row (lattice point or pixel) from one
  // thread, so ranges of rows split it. crfSplat(p0, p1, cp, ...), crfBlurDir(i0, i1, rowBytes,
  // ...), crfSliceSoftmax(i0, i1, c, cp, ...): the work estimates are rows x floats per row.
  crfSplat: byRange('crfSplat', (a) => 3 * (a[2] as number)),
  crfBlurDir: byRange('crfBlurDir', (a) => (a[2] as number) / 4),
  crfSliceSoftmax: byRange('crfSliceSoftmax', (a) => 9 * (a[3] as number)),
};

/**
 * Work of one resized output element (in multiply-adds, the minWork unit): a lerp is cheap, the
 * kernel is bound by writing its (large, upsampled) output, so it counts like a copy, and it splits
 * while the workers sleep only when it is big (split.ts: WAKE_FACTOR).
 */
const RESIZE_WORK = 1;

/**
 * Work of one multiply-add of a one-pixel 1×1 conv (a GEMV): every weight is read once and used
 * once, so it is bound by reading the weights (960→240: 47 µs for 230k multiply-adds, ~0.2 ns
 * each, 4× a conv's).
 */
const GEMV_WORK = 4;

/**
 * conv1x1Nhwc with P = 1 in blocks of 8 output channels: each block's sums run over the same
 * input channels in the same order whichever block range a call covers (weights are packed
 * [M/8][C][8], bias padded to a multiple of 8), so the bits match one call's. With one pixel the
 * output row stride (M) never matters, so a slice passes its own channel count.
 */
function conv1x1ByChannels(a: readonly number[], parts: number, minWork: number): Call[][] | undefined {
  const [C, M] = [a[5], a[6]] as number[];
  if ((M as number) < 16 || (C as number) * (M as number) * GEMV_WORK < minWork) return undefined;
  return ranges(M as number, parts, 8).map(([m0, m1]) => {
    const b = [...a];
    b[1] = (a[1] as number) + m0 * (C as number) * 4;
    b[2] = (a[2] as number) + m0 * 4;
    b[3] = (a[3] as number) + m0 * 4;
    b[6] = m1 - m0;
    return [{ name: 'conv1x1Nhwc' as const, args: b }];
  });
}

/** A splitter that asks WAKE_FACTOR times the work while every worker sleeps (split.ts). */
function awake(split: Splitter): Splitter {
  return (a, parts, minWork, asleep) => split(a, parts, awakeMinWork(minWork, asleep));
}

/** A kernel whose first two arguments are a row range [r0, r1): disjoint sub-ranges per thread. */
function byRange(name: keyof Kernels, perRow: (a: readonly number[]) => number): Splitter {
  return (a, threads, minWork) => {
    const [r0, r1] = [a[0], a[1]] as number[];
    const rows = (r1 as number) - (r0 as number);
    if (rows < 2 || rows * perRow(a) < minWork) return undefined;
    return ranges(rows, threads).map(([s0, s1]) => [
      { name, args: [(r0 as number) + s0, (r0 as number) + s1, ...a.slice(2)] },
    ]);
  };
}
