import type { Kernels } from './kernels.js';
import { winogradThreadStride } from './winograd.js';

/** One kernel call with its arguments (pointers are byte offsets, as in Kernels). */
export interface Call {
  name: keyof Kernels;
  args: number[];
  /**
   * Per-thread scratch: whoever runs the call adds its thread index (caller 0, worker i: i + 1)
   * times `stride` to `args[arg]`, so tasks sharing no thread share no scratch and a kernel with
   * scratch may split into more tasks than threads.
   */
  scratch?: { arg: number; stride: number };
}

/** The call's arguments as thread `thread` runs it (its own scratch slice). */
export function argsOn(call: Call, thread: number): number[] {
  if (!call.scratch || thread === 0) return call.args;
  const b = [...call.args];
  b[call.scratch.arg] = (b[call.scratch.arg] as number) + thread * call.scratch.stride;
  return b;
}

/**
 * Tasks per thread of a kernel whose slices need no per-task scratch (splitters.ts:
 * FINE_GRAINED; per-thread scratch is fine, see Call.scratch): whoever is free takes the next
 * one, so a thread that starts late or runs slow (a busy core, a worker still waking up) leaves
 * the rest to the others instead of making them wait.
 */
export const TASKS_PER_THREAD = 2;

/**
 * Work of one element of an elementwise or row kernel in multiply-adds (the minWork unit): a
 * conv multiply-add takes ~0.05 ns, an activation or strided binary op ~0.4 ns an element. Plain
 * copies count 1: they are bound by memory, and the caller wrote their input a moment ago (in its
 * own cache), so a split copy of LR-ASPP's 245 KB input ran slower than one thread's.
 */
export const ELEMENT_WORK = 8;

/**
 * Splits one kernel call into at most `parts` tasks (call lists; any thread may run any task), or
 * returns undefined to run it whole. Slices are independent output ranges (rows of pixels, rows of
 * a matrix, runs of elements, channel blocks) computed by the very same kernel code on the same
 * inputs in the same order, so the answer is bit-identical to one thread's. `workersAsleep`: every
 * worker is blocked, so splitting pays an OS wake-up (see WAKE_FACTOR). A kernel with
 * per-thread scratch marks its calls (Call.scratch) so each runs on its thread's slice; one that
 * hands task t slice t itself (byTiles) gets `parts` = threads, so that no two tasks running at
 * once share a slice.
 */
export type Splitter = (
  args: readonly number[],
  parts: number,
  minWork: number,
  workersAsleep?: boolean,
) => Call[][] | undefined;

/**
 * A call that gains little from a second thread (memory-bound, or a few tens of µs) splits while
 * every worker sleeps only with this many times minWork: the OS wake-up (0.02–0.2 ms here, more on
 * a busy machine, where the woken worker may also take the caller's core) comes before any help.
 * Bilinear ×8 to 256×256: 0.32 ms whole, 0.39 split with a wake-up, 0.24 split with the worker
 * awake. Compute-bound kernels split anyway: the worker they wake stays awake for the calls after.
 */
export const WAKE_FACTOR = 8;

/** minWork for a call of a kernel that needs awake workers to pay (WAKE_FACTOR). */
export function awakeMinWork(minWork: number, workersAsleep = false): number {
  return workersAsleep ? minWork * WAKE_FACTOR : minWork;
}

/** [0, total) in at most `parts` non-empty ranges whose starts are multiples of `align`. */
export function ranges(total: number, parts: number, align = 1): [number, number][] {
  const units = Math.ceil(total / align);
  const n = Math.min(parts, units);
  const out: [number, number][] = [];
  for (let p = 0; p < n; p++) {
    const a = Math.floor((units * p) / n) * align;
    const b = Math.min(total, Math.floor((units * (p + 1)) / n) * align);
    if (b > a) out.push([a, b]);
  }
  return out;
}

/** Rows [r0, r1) of an N×OH grid as per-image segments. */
export function segments(OH: number, r0: number, r1: number): { n: number; oh0: number; oh1: number }[] {
  return imageRuns(OH, r0, r1).flatMap(({ n, count, oh0, oh1 }) =>
    Array.from({ length: count }, (_, i) => ({ n: n + i, oh0, oh1 })),
  );
}

/**
 * Rows [r0, r1) of an N×OH grid as at most 3 runs: a partial first image, `count` whole images,
 * a partial last image (a kernel that loops images takes a run of whole ones in one call, so a
 * slice of many planes fits its task's call list).
 */
export function imageRuns(
  OH: number,
  r0: number,
  r1: number,
): { n: number; count: number; oh0: number; oh1: number }[] {
  const out: { n: number; count: number; oh0: number; oh1: number }[] = [];
  for (let r = r0; r < r1; ) {
    const n = Math.floor(r / OH);
    const oh0 = r - n * OH;
    const whole = oh0 === 0 ? Math.floor((r1 - r) / OH) : 0;
    const oh1 = whole > 0 ? OH : Math.min(OH, oh0 + (r1 - r));
    const count = Math.max(1, whole);
    out.push({ n, count, oh0, oh1 });
    r += count * (oh1 - oh0);
  }
  return out;
}

/** Argument positions of an NHWC kernel that loops over images and output rows. */
export interface RowKernel {
  name: keyof Kernels;
  x: number;
  y: number;
  N: number;
  H: number;
  W: number;
  C: number;
  OH: number;
  OW: number;
  /** Output channels (may be C itself). */
  M: number;
  /** Work per output element (for the too-small-to-split threshold). */
  cost(a: readonly number[]): number;
  /** Makes rows [oh0, ...) of one image look like rows [0, ...): pads, tap tables. */
  shift(b: number[], a: readonly number[], oh0: number): void;
  /** Per-thread scratch (Call.scratch), if the kernel has some. */
  scratch?(a: readonly number[]): { arg: number; stride: number };
}

/** N·OH output rows split into equal runs; each image's rows become a call with N = 1. */
export function byRows(k: RowKernel): Splitter {
  return (a, threads, minWork) => {
    const [N, H, W, C, OH, OW, M] = [a[k.N], a[k.H], a[k.W], a[k.C], a[k.OH], a[k.OW], a[k.M]] as number[];
    const rows = (N as number) * (OH as number);
    if (rows < 2 || rows * (OW as number) * (M as number) * k.cost(a) < minWork) return undefined;
    const scratch = k.scratch?.(a);
    return ranges(rows, threads).map(([r0, r1]) =>
      segments(OH as number, r0, r1).map(({ n, oh0, oh1 }): Call => {
        const b = [...a];
        b[k.x] = (a[k.x] as number) + n * (H as number) * (W as number) * (C as number) * 4;
        b[k.y] = (a[k.y] as number) + (n * (OH as number) + oh0) * (OW as number) * (M as number) * 4;
        b[k.N] = 1;
        b[k.OH] = oh1 - oh0;
        k.shift(b, a, oh0);
        return scratch ? { name: k.name, args: b, scratch } : { name: k.name, args: b };
      }),
    );
  };
}

/**
 * One flat run of `n` elements at arg `ni`; pointer args advance by their element size. `work`:
 * multiply-adds an element is worth (ELEMENT_WORK, or 1 for plain copies).
 */
export function byElements(name: keyof Kernels, ni: number, ptrs: [number, number][], work = 1): Splitter {
  return (a, threads, minWork) => {
    const n = a[ni] as number;
    if (n < 8 || n * work < minWork) return undefined;
    return ranges(n, threads, 4).map(([i0, i1]) => {
      const b = [...a];
      for (const [at, size] of ptrs) b[at] = (a[at] as number) + i0 * size;
      b[ni] = i1 - i0;
      return [{ name, args: b }];
    });
  };
}

/**
 * Rank-4 strided kernels (dims at `d`, then stride lists at `strides`; the output is row-major
 * over the dims unless its strides are given): split the outermost axis that has room, else the
 * innermost in blocks of 4 (so vector and scalar tails fall where they did). `work` as in byElements.
 */
export function byAxis(
  name: keyof Kernels,
  d: number,
  ptrs: number[],
  strides: number[],
  outPtr: number | undefined,
  work = 1,
): Splitter {
  return (a, threads, minWork) => {
    const dims = [0, 1, 2, 3].map((i) => a[d + i] as number);
    const total = dims.reduce((x, y) => x * y, 1);
    if (total * work < minWork) return undefined;
    const axis = splitAxis(dims, threads, outPtr !== undefined);
    if ((dims[axis] as number) < 2) return undefined;
    const inner = dims.slice(axis + 1).reduce((x, y) => x * y, 1);
    return ranges(dims[axis] as number, threads, axis === 3 ? 4 : 1).map(([i0, i1]) => {
      const b = [...a];
      ptrs.forEach((p, j) => {
        b[p] = (a[p] as number) + i0 * (a[(strides[j] as number) + axis] as number) * 4;
      });
      if (outPtr !== undefined) b[outPtr] = (a[outPtr] as number) + i0 * inner * 4;
      b[d + axis] = i1 - i0;
      return [{ name, args: b }];
    });
  };
}

/**
 * The axis byAxis splits: the outermost with room for every thread, else the innermost. A kernel
 * that writes its output sequentially (row-major over the dims) can only be split on its
 * outermost non-unit axis: a slice of an inner one is not contiguous in the output.
 */
export function splitAxis(dims: readonly number[], threads: number, rowMajorOut: boolean): number {
  const outer = dims.findIndex((x) => x > 1);
  if (rowMajorOut) return outer < 0 ? 3 : outer;
  const axis = dims.findIndex((x, i) => i < 3 && x >= threads);
  return axis < 0 ? 3 : axis;
}

/** [outer, len, inner] row kernels: split `outer`; `reduced` outputs have one element per (outer, inner). */
export function byOuter(name: keyof Kernels, outBytes: number, reduced: boolean): Splitter {
  return (a, threads, minWork) => {
    const [outer, len, inner] = [a[2], a[3], a[4]] as number[];
    const elements = (outer as number) * (len as number) * (inner as number);
    if ((outer as number) < 2 || elements * ELEMENT_WORK < minWork) return undefined;
    return ranges(outer as number, threads).map(([o0, o1]) => {
      const b = [...a];
      b[0] = (a[0] as number) + o0 * (len as number) * (inner as number) * 4;
      b[1] = (a[1] as number) + o0 * (reduced ? 1 : (len as number)) * (inner as number) * outBytes;
      b[2] = o1 - o0;
      return [{ name, args: b }];
    });
  };
}

/**
 * winograd(4)Nhwc(x, u, bias, y, zeros, scratch, rowTab, nRows, colTab, nCols, N, H, W, C, OH, OW, M, ...):
 * rows of tiles; every thread has its own tile scratch (Call.scratch).
 */
export function byTileRows(name: 'winogradNhwc' | 'winograd4Nhwc'): Splitter {
  return (a, threads, minWork) => {
    const [nRows, nCols, N, H, W, C, OH, OW, M] = [7, 9, 10, 11, 12, 13, 14, 15, 16].map(
      (i) => a[i] as number,
    ) as number[];
    const rows = (N as number) * (nRows as number);
    if (rows < 2 || rows * (nCols as number) * 16 * (C as number) * (M as number) < minWork) return undefined;
    const scratch = { arg: 5, stride: winogradThreadStride(C as number, M as number) };
    return ranges(rows, threads).map(([r0, r1]) =>
      segments(nRows as number, r0, r1).map(({ n, oh0, oh1 }): Call => {
        const b = [...a];
        b[0] = (a[0] as number) + n * (H as number) * (W as number) * (C as number) * 4;
        b[3] = (a[3] as number) + n * (OH as number) * (OW as number) * (M as number) * 4;
        b[6] = (a[6] as number) + oh0 * 4;
        b[7] = oh1 - oh0;
        b[10] = 1;
        return { name, args: b, scratch };
      }),
    );
  };
}

/**
 * Kernels called as name(x, u, bias, y, zeros, scratch, scratchBytes, t0, t1, ...) whose tiles
 * [t0, t1) write disjoint outputs: runs of tiles split across threads, each with its own
 * `stride`-byte slice of the scratch (as many threads as the scratch has room for).
 * `tileWork` is the multiply-adds of one tile, for the minWork threshold.
 */
export function byTiles(
  name: keyof Kernels,
  a: readonly number[],
  threads: number,
  minWork: number,
  stride: number,
  tileWork: number,
): Call[][] | undefined {
  const [scratch, scratchBytes, t0, t1] = [a[5], a[6], a[7], a[8]] as number[];
  const parts = Math.min(threads, Math.floor((scratchBytes as number) / stride));
  const tiles = (t1 as number) - (t0 as number);
  if (parts < 2 || tiles < 2 || tiles * tileWork < minWork) return undefined;
  return ranges(tiles, parts).map(([s0, s1], t): Call[] => {
    const b = [...a];
    b[5] = (scratch as number) + t * stride;
    b[6] = stride;
    b[7] = (t0 as number) + s0;
    b[8] = (t0 as number) + s1;
    return [{ name, args: b }];
  });
}
