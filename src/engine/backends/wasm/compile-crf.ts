import { checkCrfInput, crfKernelWriters } from '../../../post/crf/inputs.js';
import { type CrfTimings, crfMeanField } from '../../../post/crf/wasm.js';
import { crfExports, inOrder, onPool } from '../../../post/crf/wasm-module.js';
import { denseCrfInputKind, denseCrfParams } from '../../ops/dense_crf.js';
import { Tensor } from '../../tensor.js';
import { type Ctx, ensureLayout, type Step, steps } from './context.js';
import { kernelsOf } from './kernels.js';
import { identity } from './values.js';

let benchTimings: CrfTimings | undefined;
/** Per-phase milliseconds of every DenseCRF node run from now on go here (benches); none: off. */
export function setDenseCrfTimings(timings?: CrfTimings): void {
  benchTimings = timings;
}

/**
 * DenseCRF in the session's own instance: per batch item, the scores (N, C, H, W) are brought to
 * row-major in scratch and checked, the features come from the image, and the WASM lattice mean
 * field (src/post/crf/wasm.ts, assembly/crf*.ts) runs above the arena — the lattice depends on the
 * image, so its memory is taken at run time (mark / release; memory grows to the largest run once)
 * — writing Q straight into the output slot (row-major). The iteration kernels are the session's
 * (ctx.k), so a threaded session splits them, and builds the lattices on its pool (both kernels
 * concurrently, as the standalone threaded path). Same result as the ref kernel (the TS lattice)
 * up to float32 rounding; the same Q bit for bit whatever the thread count.
 */
export function compileDenseCrf(ctx: Ctx): Step[] {
  const x = ensureLayout(ctx, ctx.input(0), identity(4), 0);
  const img = ensureLayout(ctx, ctx.input(1), identity(4), 1);
  const y = ctx.output(0, identity(4));
  const [batch, c, h, w] = x.val.dims as [number, number, number, number];
  const n = h * w;
  const params = denseCrfParams(ctx.node);
  const kind = denseCrfInputKind(ctx.node);
  const inst = ctx.instance;
  const wasm = crfExports(inst);
  // One thread: the module's own exports, so crfMeanField may use its one-thread kernels (the
  // wavefront blur); threads: the session's split kernels.
  const k = ctx.threads > 1 ? ctx.k : wasm;
  const pool = ctx.pool;
  const build = pool ? onPool(pool, kernelsOf(inst), wasm) : inOrder(wasm);
  const threads = pool ? ctx.threads : 1;
  const run: Step = () => {
    // Interleaved RGB of every item as plain numbers (no rounding to bytes, as the ref kernel reads
    // it), all read first: Q of item b must not overwrite a later item's image should slots alias.
    const rgbs = Array.from({ length: batch }, (_, b) => {
      const planes = new Float32Array(inst.memory.buffer, img.val.ptr + b * 3 * n * 4, 3 * n);
      const rgb = new Float64Array(n * 3);
      for (let ch = 0; ch < 3; ch++)
        for (let i = 0; i < n; i++) rgb[i * 3 + ch] = planes[ch * n + i] as number;
      return rgb;
    });
    for (let b = 0; b < batch; b++) {
      const at = x.val.ptr + b * c * n * 4;
      const scores = new Tensor('float32', [c, h, w], new Float32Array(inst.memory.buffer, at, c * n));
      const image = { width: w, height: h, data: rgbs[b] as Float64Array };
      const kernels = crfKernelWriters(checkCrfInput({ [kind]: scores, image }), params);
      const mark = inst.mark();
      try {
        const scoresAt = { kind, scores: { at, length: c * n } };
        const into = y.ptr + b * c * n * 4;
        const opts = { into, timings: benchTimings };
        crfMeanField(wasm, inst, k, scoresAt, c, kernels, params.iterations, opts, build, threads);
      } finally {
        inst.release(mark);
      }
    }
  };
  return steps(x.step, img.step, run);
}
