import { type Command, Option } from 'commander';
import type { Tensor } from '../engine/tensor.js';
import { InputError } from '../errors.js';
import { type RgbImage, resizeBilinear } from '../io/image.js';
import { argmaxMask, encodeMaskPng, overlayPng } from '../io/mask.js';
import { readImage, readNpy, writeBytes, writeNpy } from '../io/node.js';
import { CRF_PRESET_NAMES, type CrfParams, crfPreset, denseCrf } from '../post/crf/index.js';
import { type CliIO, formatShape, parsePositiveInt, UsageError } from './common.js';

export interface CrfOptions {
  image: string;
  probs?: string;
  logits?: string;
  out: string;
  overlay?: string;
  preset: string;
  iterations?: string;
  posW?: string;
  posXy?: string;
  biW?: string;
  biXy?: string;
  biRgb?: string;
  exact?: boolean;
  backend: 'wasm' | 'webgpu' | 'ts';
  threads?: string;
  time?: boolean;
}

export function registerCrf(program: Command, io: CliIO): void {
  program
    .command('crf')
    .description('dense CRF (mean field, Krähenbühl & Koltun) on class probabilities: sharpens boundaries')
    .requiredOption('--image <img.png>', 'the RGB image (PNG or JPEG), same H x W as the probabilities')
    .option('--probs <p.npy>', 'class probabilities, (1, C, H, W) or (C, H, W) float32')
    .option('--logits <l.npy>', 'or unnormalized class scores of that shape')
    .requiredOption('-o, --out <q.npy|mask.png>', '.npy: Q as (1, C, H, W) float32; .png: its argmax mask')
    .option('--overlay <overlay.png>', 'also write the image blended with the mask colours')
    .addOption(
      new Option('--preset <name>', 'parameter preset').choices(CRF_PRESET_NAMES).default('deeplab-v2'),
    )
    .option('--iterations <n>', 'mean-field iterations (overrides the preset)')
    .option('--pos-w <w>', 'smoothness kernel weight')
    .option('--pos-xy <std>', 'smoothness kernel std in pixels')
    .option('--bi-w <w>', 'appearance kernel weight')
    .option('--bi-xy <std>', 'appearance kernel std in pixels')
    .option('--bi-rgb <std>', 'appearance kernel std on 0-255 colours')
    .option('--exact', 'brute-force O(N²) mean field (small images only, up to 4096 pixels)')
    .addOption(
      new Option('-b, --backend <name>', 'lattice implementation (webgpu: iterations on the GPU)')
        .choices(['wasm', 'webgpu', 'ts'])
        .default('wasm'),
    )
    .option(
      '-t, --threads <n>',
      'worker threads: the wasm lattice mean field (default 1), the WASM lattice build of --backend webgpu (default min(2, cores))',
    )
    .option('--time', 'print the time the CRF took')
    .action((opts: CrfOptions) => crfCommand(opts, io));
}

function num(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v)) throw new UsageError(`${flag} '${text}' is not a number`);
  return v;
}

export async function crfCommand(opts: CrfOptions, io: CliIO): Promise<void> {
  if ((opts.probs === undefined) === (opts.logits === undefined)) {
    throw new UsageError('give exactly one of --probs and --logits');
  }
  const kind = opts.out.toLowerCase().endsWith('.npy')
    ? 'npy'
    : opts.out.toLowerCase().endsWith('.png')
      ? 'png'
      : '';
  if (!kind) throw new UsageError(`--out '${opts.out}' must end in .npy (Q) or .png (mask)`);
  const params: CrfParams = crfPreset(opts.preset);
  const overrides: [keyof CrfParams, string | undefined, string][] = [
    ['iterations', opts.iterations, '--iterations'],
    ['posW', opts.posW, '--pos-w'],
    ['posXyStd', opts.posXy, '--pos-xy'],
    ['biW', opts.biW, '--bi-w'],
    ['biXyStd', opts.biXy, '--bi-xy'],
    ['biRgbStd', opts.biRgb, '--bi-rgb'],
  ];
  for (const [key, text, flag] of overrides) {
    const v = num(text, flag);
    if (v !== undefined) params[key] = v;
  }
  // Unset on webgpu: denseCrf picks the concurrent lattice build where WASM threads run.
  const threads =
    opts.threads !== undefined
      ? parsePositiveInt(opts.threads, '--threads')
      : opts.backend === 'webgpu'
        ? undefined
        : 1;
  const image = await readImage(opts.image);
  const path = (opts.probs ?? opts.logits) as string;
  const input = await readNpy(path);
  const method = opts.exact ? 'exact' : 'lattice';
  const t0 = performance.now();
  const q = await denseCrf({
    ...(opts.probs ? { probs: input } : { logits: input }),
    image,
    params,
    method,
    backend: opts.backend,
    threads,
  });
  const ms = performance.now() - t0;
  const mask = argmaxMask(q);
  if (kind === 'npy') await writeNpy(opts.out, q);
  else await writeBytes(opts.out, encodeMaskPng(mask));
  if (opts.overlay) await writeBytes(opts.overlay, overlayPng(image, mask));
  const how =
    method === 'exact'
      ? 'exact'
      : `lattice/${opts.backend}${opts.backend === 'wasm' && threads !== undefined && threads > 1 ? `, ${threads} threads` : ''}`;
  io.out(
    `${opts.out}: ${kind === 'npy' ? `Q ${formatShape(q.dims)}` : `${q.dims[3]}x${q.dims[2]} mask`}, ${params.iterations} iterations (${how})`,
  );
  if (opts.overlay) io.out(`${opts.overlay}: overlay`);
  if (opts.time) io.out(`crf: ${ms.toFixed(1)} ms`);
}

/**
 * `segment --crf`: the model's (1, C, h, w) logits refined by the CRF against the image resized
 * to h x w (the mask is resized to the image afterwards, as without --crf).
 */
export async function crfRefine(logits: Tensor, image: RgbImage, preset: string): Promise<Tensor> {
  const [c, h, w] = logits.dims.slice(-3) as [number, number, number];
  if (logits.dims.length < 3 || c < 2) {
    throw new InputError(
      `--crf needs class scores (1, C, H, W) with C >= 2, got ${formatShape(logits.dims)}`,
    );
  }
  return denseCrf({ logits, image: resizeBilinear(image, h, w), params: crfPreset(preset) });
}
