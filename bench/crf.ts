// Dense-CRF timing and a before/after picture. Run: npx vite-node bench/crf.ts [--skip-timing] [--skip-ts] [--skip-overlay]
// 1. 512x512 astronaut, 21 labels (noisy colour-based probabilities), deeplab-v2 preset, 10 iterations:
//    lattice build (TS) and the whole denseCrf call on wasm (single thread) and ts.
// 2. The bundled demo model's logits (256x256, bilinearly upsampled to 512x512) → softmax → CRF,
//    overlays written to bench/results/crf-astronaut-{before,after}.png.
import { readFileSync, writeFileSync } from 'node:fs';
import { Session } from '../src/engine/session.js';
import { Tensor } from '../src/engine/tensor.js';
import { importModel } from '../src/graph/import/index.js';
import { decodePng, imageToTensor } from '../src/io/image.js';
import { argmaxMask, overlayPng } from '../src/io/mask.js';
import { denseCrf } from '../src/post/crf/index.js';
import { crfKernels, crfProblem } from '../src/post/crf/inputs.js';
import { buildLatticeKernels } from '../src/post/crf/lattice.js';
import { resolveCrfParams } from '../src/post/crf/params.js';
import { latticeMeanFieldWasm } from '../src/post/crf/wasm.js';
import { Rng } from '../src/util/random.js';

const args = new Set(process.argv.slice(2));
const root = new URL('../', import.meta.url);
const image = decodePng(new Uint8Array(readFileSync(new URL('assets/astronaut.png', root))));
const { width: w, height: h } = image;
const n = w * h;

function softmaxChw(scores: Float32Array, c: number): Tensor<'float32'> {
  const out = new Float32Array(c * n);
  for (let i = 0; i < n; i++) {
    let m = -Infinity;
    for (let l = 0; l < c; l++) m = Math.max(m, scores[l * n + i] as number);
    let s = 0;
    for (let l = 0; l < c; l++) s += Math.exp((scores[l * n + i] as number) - m);
    for (let l = 0; l < c; l++) out[l * n + i] = Math.exp((scores[l * n + i] as number) - m) / s;
  }
  return new Tensor('float32', [1, c, h, w], out);
}

if (!args.has('--skip-timing')) {
  const c = 21;
  const rng = new Rng(1);
  const centres = Array.from({ length: c }, () => [0, 1, 2].map(() => rng.uniform(0, 255)));
  const scores = new Float32Array(c * n);
  for (let i = 0; i < n; i++) {
    for (let l = 0; l < c; l++) {
      let d = 0;
      for (let k = 0; k < 3; k++) d += ((image.data[i * 3 + k] as number) - (centres[l]?.[k] as number)) ** 2;
      scores[l * n + i] = -Math.sqrt(d) / 30 + rng.normal();
    }
  }
  const probs = softmaxChw(scores, c);
  const params = resolveCrfParams('deeplab-v2');
  // Wall time and this process's CPU time (the bench machine may be shared).
  const timed = async <T>(f: () => T | Promise<T>): Promise<[T, number, number]> => {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const v = await f();
    const c = process.cpuUsage(c0);
    return [v, performance.now() - t0, (c.user + c.system) / 1000];
  };
  const fmt = (wall: number, cpu: number) => `${wall.toFixed(0)} ms wall, ${cpu.toFixed(0)} ms cpu`;
  for (let r = 0; r < 3; r++) {
    const [p, tp, cp] = await timed(() => crfProblem({ probs, image }));
    const feats = crfKernels(p, params);
    const [kernels, tb, cb] = await timed(() => buildLatticeKernels(feats, n));
    const [, t0, c0] = await timed(() => latticeMeanFieldWasm(p.unary, c, feats, 0));
    const [, tw, cw] = await timed(() => latticeMeanFieldWasm(p.unary, c, feats, params.iterations));
    const [, tt, ct] = await timed(() => denseCrf({ probs, image, params, backend: 'wasm' }));
    console.log(
      `run ${r}: checks+unary ${fmt(tp, cp)}; TS lattice build+norms ${fmt(tb, cb)} [${kernels.map((k) => `d=${k.lattice.d1 - 1} M=${k.lattice.points}`).join(', ')}]; wasm build+norms+upload (0 it) ${fmt(t0, c0)}; wasm build + 10 it ${fmt(tw, cw)}; whole denseCrf wasm ${fmt(tt, ct)}`,
    );
  }
  if (!args.has('--skip-ts')) {
    const [, tt, ct] = await timed(() => denseCrf({ probs, image, params, backend: 'ts' }));
    console.log(`whole denseCrf ts: ${fmt(tt, ct)}`);
  }
}

if (!args.has('--skip-overlay')) {
  const graph = importModel(new Uint8Array(readFileSync(new URL('assets/demo-model.onnx', root))));
  const session = await Session.create(graph, { backend: 'ref' });
  const input = imageToTensor(image, { size: [256, 256] });
  const out = (await session.run({ [session.inputs[0]?.name as string]: input }))[
    session.outputs[0]?.name as string
  ] as Tensor;
  session.release();
  const [c, sh, sw] = out.dims.slice(1) as [number, number, number];
  // Bilinear upsampling (align_corners=false) of the logits to the image size.
  const up = new Float32Array(c * n);
  for (let y = 0; y < h; y++) {
    const fy = Math.min(sh - 1, Math.max(0, ((y + 0.5) * sh) / h - 0.5));
    const y0 = Math.floor(fy);
    const y1 = Math.min(sh - 1, y0 + 1);
    for (let x = 0; x < w; x++) {
      const fx = Math.min(sw - 1, Math.max(0, ((x + 0.5) * sw) / w - 0.5));
      const x0 = Math.floor(fx);
      const x1 = Math.min(sw - 1, x0 + 1);
      for (let l = 0; l < c; l++) {
        const at = (yy: number, xx: number) => out.data[(l * sh + yy) * sw + xx] as number;
        const top = at(y0, x0) + (at(y0, x1) - at(y0, x0)) * (fx - x0);
        const bot = at(y1, x0) + (at(y1, x1) - at(y1, x0)) * (fx - x0);
        up[(l * h + y) * w + x] = top + (bot - top) * (fy - y0);
      }
    }
  }
  const probs = softmaxChw(up, c);
  const t = performance.now();
  const q = await denseCrf({ probs, image, params: 'deeplab-v2' });
  console.log(`demo model probs (${c} classes) → CRF deeplab-v2: ${(performance.now() - t).toFixed(0)} ms`);
  const before = argmaxMask(probs);
  const after = argmaxMask(q);
  let changed = 0;
  for (let i = 0; i < n; i++) if (before.labels[i] !== after.labels[i]) changed++;
  writeFileSync(new URL('bench/results/crf-astronaut-before.png', root), overlayPng(image, before, 0.55));
  writeFileSync(new URL('bench/results/crf-astronaut-after.png', root), overlayPng(image, after, 0.55));
  console.log(
    `bench/results/crf-astronaut-{before,after}.png written; CRF changed ${((100 * changed) / n).toFixed(1)}% of labels`,
  );
}
