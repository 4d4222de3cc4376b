import { type Command, Option } from 'commander';
import { pickBackend } from '../engine/auto-backend.js';
import { BACKEND_NAMES } from '../engine/backend.js';
import { Session } from '../engine/session.js';
import { isFloatDType, type Tensor } from '../engine/tensor.js';
import { InputError } from '../errors.js';
import type { Dim } from '../graph/ir.js';
import { IMAGENET_MEAN, IMAGENET_STD, imageToTensor } from '../io/image.js';
import {
  argmaxMask,
  encodeMaskPng,
  labelsToMask,
  type Mask,
  overlayPng,
  resizeMaskNearest,
} from '../io/mask.js';
import { readImage, writeBytes } from '../io/node.js';
import {
  type BackendName,
  type CliIO,
  formatShape,
  loadGraph,
  parseSize,
  parseTriple,
  UsageError,
} from './common.js';
import { crfRefine } from './crf.js';
import { portraitCommand } from './portrait.js';
import { progress } from './progress.js';

export interface SegmentOptions {
  out?: string;
  overlay?: string;
  size?: string;
  mean?: string;
  std?: string;
  alpha?: string;
  threshold?: string;
  backend: BackendName | 'auto';
  optimize: boolean;
  crf?: string | boolean;
  blur?: string;
  blurRadius?: string;
  landscape?: boolean;
}

export function registerSegment(program: Command, io: CliIO): void {
  program
    .command('segment')
    .description(
      "segment an image. With an image only (or nothing: the bundled photo), the bundled MediaPipe selfie model finds the person: writes the person mask, a background-blurred portrait and an overlay. With a model and an image: that model's class mask (and an overlay)",
    )
    .argument('[model]', 'model file (.onnx, .tflite, .atrous); leave out for the selfie model')
    .argument('[image]', 'PNG or JPEG image; default: the bundled astronaut photo')
    .option(
      '-o, --out <mask.png>',
      'mask PNG: person confidence 0-255 (selfie), else class indices (VOC palette)',
      'mask.png',
    )
    .option(
      '--overlay <overlay.png>',
      'image blended with the mask colours (default with no arguments: overlay.png)',
    )
    .option('--blur <blur.png>', 'selfie: the portrait with the background blurred', 'blur.png')
    .option('--blur-radius <px>', 'selfie: blur radius in pixels (default: image size / 48)')
    .option('--landscape', "selfie: MediaPipe's landscape model (144x256 input) instead of the general one")
    .option('--size <HxW>', 'resize the image to this size for the model (default: the model input size)')
    .option(
      '--mean <r,g,b>',
      "normalization mean on 0-1 pixels (default: the model's 'mean' metadata, else ImageNet's)",
    )
    .option('--std <r,g,b>', "normalization std (default: the model's 'std' metadata, else ImageNet's)")
    .option('--alpha <a>', 'overlay opacity of the mask colours', '0.5')
    .option(
      '--threshold <t>',
      'one-channel outputs: foreground where the score exceeds this (default 0; selfie: 0.5)',
    )
    .addOption(
      new Option(
        '-b, --backend <name>',
        'backend that runs the model; auto: WebGPU on a hardware adapter, else WASM',
      )
        .choices(['auto', ...BACKEND_NAMES])
        .default('auto'),
    )
    .option('--no-optimize', 'run the graph as imported, without the optimization passes')
    .option('--crf [preset]', 'refine the scores with a dense CRF (deeplab-v2, deeplab-v1, densecrf)')
    .action((model: string | undefined, image: string | undefined, opts: SegmentOptions) => {
      if (image === undefined && (model === undefined || !MODEL_FILE.test(model))) {
        if (opts.crf)
          throw new UsageError('--crf needs a multi-class model; the selfie model has one channel');
        return portraitCommand(model, opts, io);
      }
      if (model === undefined || image === undefined) {
        throw new UsageError(`'${model}' looks like a model file: give an image after it`);
      }
      return segmentCommand(model, image, opts, io);
    });
}

/** Model files by extension (a lone argument that is not one of these is an image for the selfie model). */
const MODEL_FILE = /\.(onnx|tflite|atrous)$/i;

/** A given model on a given image: the class mask (argmax) and optionally an overlay. */
export async function segmentCommand(
  modelPath: string,
  imagePath: string,
  opts: SegmentOptions,
  io: CliIO,
): Promise<void> {
  const outPath = opts.out ?? 'mask.png';
  const overlayPath = opts.overlay;
  if (opts.mean) parseTriple(opts.mean, '--mean');
  if (opts.std) parseTriple(opts.std, '--std');
  const alpha = Number(opts.alpha ?? '0.5');
  if (!(alpha >= 0 && alpha <= 1)) throw new UsageError(`--alpha '${opts.alpha}' must be in [0, 1]`);
  const threshold = Number(opts.threshold ?? '0');
  if (!Number.isFinite(threshold)) throw new UsageError(`--threshold '${opts.threshold}' is not a number`);

  const bar = progress(io, 'segment', 5);
  try {
    bar.update(0, 'loading model');
    const graph = await loadGraph(modelPath);
    // Normalization: the flags, else what the model file says it was trained with, else ImageNet's.
    const meta = graph.metadata ?? {};
    const mean = opts.mean ? parseTriple(opts.mean, '--mean') : (metaTriple(meta.mean) ?? [...IMAGENET_MEAN]);
    const std = opts.std ? parseTriple(opts.std, '--std') : (metaTriple(meta.std) ?? [...IMAGENET_STD]);
    const classNames = meta.class_names?.split(',').map((n) => n.trim());
    const backend = opts.backend === 'auto' ? (await pickBackend()).backend : opts.backend;
    const session = await Session.create(graph, { backend, optimize: opts.optimize });
    try {
      if (session.inputs.length !== 1) {
        throw new InputError(
          `segment needs a model with one image input, this one has ${session.inputs.length}: ${session.inputs.map((i) => i.name).join(', ')}`,
        );
      }
      const input = session.inputs[0]!;
      bar.update(1, 'reading image');
      const image = await readImage(imagePath);
      const layout = inputLayout(input.name, input.shape);
      const size = opts.size ? parseSize(opts.size) : modelSize(input.shape, layout, image);
      const tensor = imageToTensor(image, { size, mean, std, layout });
      bar.update(2, `running ${backend}`);
      const outputs = await session.run({ [input.name]: tensor });
      bar.update(3, 'argmax');
      const first = session.outputs[0]!;
      let scores = outputs[first.name] as Tensor;
      if (opts.crf) scores = await crfRefine(scores, image, opts.crf === true ? 'deeplab-v2' : opts.crf);
      const mask = toMask(first.name, scores, threshold);
      const full = resizeMaskNearest(mask, image.width, image.height);
      bar.update(4, 'writing');
      await writeBytes(outPath, encodeMaskPng(full));
      if (overlayPath) await writeBytes(overlayPath, overlayPng(image, full, alpha));
      bar.update(5, 'done');
      bar.stop();
      io.out(
        `${outPath}: ${full.width}x${full.height} mask, ${mask.classes} classes; ${classShares(full, classNames)}`,
      );
      if (overlayPath) io.out(`${overlayPath}: overlay`);
    } finally {
      session.release();
    }
  } finally {
    bar.stop();
  }
}

/** Three numbers from model metadata such as "0.485,0.456,0.406"; anything else is ignored. */
function metaTriple(text: string | undefined): number[] | undefined {
  const nums = text?.split(',').map(Number);
  return nums?.length === 3 && nums.every(Number.isFinite) ? nums : undefined;
}

/** NCHW when the channel dim sits at 1, NHWC when at 3 (TF-style models); 3 channels expected. */
function inputLayout(name: string, shape: readonly Dim[]): 'NCHW' | 'NHWC' {
  if (shape.length !== 4) {
    throw new InputError(
      `input '${name}' has shape ${formatShape(shape)}; segment needs an image batch (1, 3, H, W)`,
    );
  }
  if (shape[1] === 3 || typeof shape[1] === 'string') return 'NCHW';
  if (shape[3] === 3) return 'NHWC';
  throw new InputError(`input '${name}' has shape ${formatShape(shape)}; segment needs 3 channels (RGB)`);
}

/** The model's static H, W; symbolic dims fall back to the image's own size. */
function modelSize(
  shape: readonly Dim[],
  layout: 'NCHW' | 'NHWC',
  image: { width: number; height: number },
): [number, number] {
  const [h, w] = layout === 'NCHW' ? [shape[2], shape[3]] : [shape[1], shape[2]];
  return [typeof h === 'number' ? h : image.height, typeof w === 'number' ? w : image.width];
}

function toMask(name: string, t: Tensor, threshold: number): Mask {
  if (!isFloatDType(t.dtype)) return labelsToMask(t);
  const dims = t.dims;
  if (dims.length === 4 && dims[0] === 1) return argmaxMask(t, { threshold });
  if (dims.length === 3) return argmaxMask(t, { threshold });
  throw new InputError(
    `output '${name}' has shape ${formatShape(dims)}; segment needs class scores (1, C, H, W)`,
  );
}

/** "0 80.1%, 15 19.9%" for the classes present, most frequent first (at most 8), named when known. */
function classShares(mask: Mask, names?: readonly string[]): string {
  const counts = new Map<number, number>();
  for (const l of mask.labels) counts.set(l, (counts.get(l) ?? 0) + 1);
  const total = mask.labels.length || 1;
  const top = [...counts].sort((a, b) => b[1] - a[1]).slice(0, 8);
  const more = counts.size > top.length ? `, ${counts.size - top.length} more` : '';
  return `classes present: ${top.map(([c, n]) => `${names?.[c] ?? c} ${((100 * n) / total).toFixed(1)}%`).join(', ')}${more}`;
}
