import type { Session } from '../../engine/session.js';
import { Tensor } from '../../engine/tensor.js';
import { AtrousError, InputError } from '../../errors.js';
import { imageToTensor, type RgbImage, resizeBilinear } from '../../io/image.js';
import { resizeMaskNearest } from '../../io/mask.js';
import { readBytes, readImage } from '../../io/node.js';
import { type CrfPresetName, denseCrf } from '../crf/index.js';
import { averagePrecision } from '../metrics/average-precision.js';
import { argmaxLabels, Evaluator, type MetricsKernel, type MetricsReport } from '../metrics/evaluator.js';
import { type Problem, pairFolder } from './folder.js';
import { decodeLabelPng, type LabelFormat, type LabelMap, unknownLabels } from './labels.js';
import {
  concat,
  concatLabels,
  inputLayout,
  labelLayout,
  modelSize,
  resizeMaskScores,
  type Scored,
  scoreLayout,
  staticSize,
} from './model-io.js';
import { slidingWindowScores } from './sliding.js';

export interface EvaluateOptions {
  format: LabelFormat;
  /** Class names; their count is the number of classes (default: the model's output channels). */
  classNames?: readonly string[];
  kernel?: MetricsKernel;
  boundaryTolerance?: number | false;
  ignoreLabel?: number;
  mean: readonly number[];
  std: readonly number[];
  /** Model input [H, W] (default: the model's static size, else the image's). */
  size?: readonly [number, number];
  /**
   * Sliding-window inference at the image's resolution with tiles of the model's (static) input
   * size, instead of resizing each image to the model input.
   */
  sliding?: boolean;
  /**
   * Also evaluate the predictions refined by the dense CRF with this preset (src/post/crf), at the
   * model output's resolution (the image resized to it), in the same run.
   */
  crf?: CrfPresetName;
  /**
   * The session's output is already the argmax label map (1, H, W) over this many classes (see
   * withDeviceArgmax): only labels come back from the backend. Not with `crf` or `sliding`.
   */
  labelChannels?: number;
  /** One-channel models: foreground where the score exceeds this (default 0, a logit; 0.5 for probabilities). */
  threshold?: number;
  /** Called after each image (for progress bars). */
  onImage?: (done: number, total: number) => void;
}

export interface EvaluateResult {
  report: MetricsReport;
  classNames: string[];
  pairs: number;
  evaluated: number;
  problems: Problem[];
  /** Mean milliseconds per evaluated image: all work, and the model run alone. */
  msPerImage: number;
  inferenceMsPerImage: number;
  /** Model runs (one per image, or one per tile with sliding windows). */
  modelRuns: number;
  /** With `crf`: the report of the CRF-refined predictions and the CRF's mean time per image. */
  crf?: { preset: CrfPresetName; report: MetricsReport; msPerImage: number };
  /** One-channel (binary) models: AP of the scores against the 0/1 labels. */
  averagePrecision?: number;
}

/**
 * Runs a one-image-input segmentation model over a folder of images + label PNGs. Each image is
 * resized (bilinear) to the model input; scores at the label size go straight into the fused
 * argmax + confusion kernel, otherwise the argmax labels are resized back to the label size
 * (nearest). Files that cannot be read, size mismatches and unknown label values are problems:
 * listed, and the run goes on (unknown label pixels are not scored).
 */
export async function evaluateFolder(
  session: Session,
  imagesDir: string,
  labelsDir: string,
  options: EvaluateOptions,
): Promise<EvaluateResult> {
  const ignore = options.ignoreLabel ?? 255;
  const input = session.inputs[0];
  if (session.inputs.length !== 1 || !input) {
    throw new InputError(`eval needs a model with one image input, this one has ${session.inputs.length}`);
  }
  const layout = inputLayout(input.name, input.shape);
  const output = session.outputs[0]?.name as string;
  if (options.labelChannels !== undefined && (options.crf || options.sliding)) {
    throw new InputError('a label-map output cannot be refined by the CRF or tiled; give the score output');
  }
  const { pairs, problems } = await pairFolder(imagesDir, labelsDir, options.format);
  let names = options.classNames ? [...options.classNames] : undefined;
  let evaluator: Evaluator | undefined;
  let crfEvaluator: Evaluator | undefined;
  let crfTime = 0;
  const apScores: Float32Array[] = [];
  const apTargets: (Uint8Array | Uint16Array)[] = [];
  let evaluated = 0;
  let total = 0;
  let inference = 0;
  let modelRuns = 0;
  let warnedChannels = false;
  try {
    for (const [i, pair] of pairs.entries()) {
      const t0 = performance.now();
      try {
        const label = decodeLabelPng(await readBytes(pair.label), options.format, pair.label);
        const image = await readImage(pair.image);
        if (image.width !== label.width || image.height !== label.height) {
          problems.push({
            file: pair.label,
            problem: `label is ${label.width}x${label.height} but the image is ${image.width}x${image.height}; skipped`,
          });
          continue;
        }
        const t1 = performance.now();
        const runModel = async (t: Tensor<'float32'>) => {
          modelRuns++;
          return (await session.run({ [input.name]: t }))[output] as Tensor;
        };
        let scored: Scored;
        if (options.sliding) {
          const tile = options.size ?? staticSize(input.name, input.shape, layout);
          const full = imageToTensor(image, { mean: options.mean, std: options.std, layout: 'NCHW' });
          const { channels, data } = await slidingWindowScores(runModel, full, tile);
          scored = { channels, h: image.height, w: image.width, data };
        } else {
          const size = options.size ?? modelSize(input.shape, layout, image);
          const feed = imageToTensor(image, { size, mean: options.mean, std: options.std, layout });
          const out = await runModel(feed);
          scored =
            options.labelChannels === undefined
              ? scoreLayout(output, out, layout)
              : labelLayout(output, out, options.labelChannels);
        }
        inference += performance.now() - t1;
        const { channels, h, w, data } = scored;
        names ??= channels === 1 ? ['0', '1'] : Array.from({ length: channels }, (_, c) => String(c));
        const create = () =>
          Evaluator.create({
            classes: (names as string[]).length,
            ignoreLabel: ignore,
            kernel: options.kernel,
            boundaryTolerance: options.boundaryTolerance,
          });
        evaluator ??= await create();
        const unknown = unknownLabels(label.labels, names.length, ignore);
        if (unknown.size > 0) {
          const list = [...unknown].map(([v, n]) => `${v} (${n} px)`).join(', ');
          problems.push({
            file: pair.label,
            problem: `label values outside 0..${names.length - 1} and ${ignore}: ${list}; not scored`,
          });
        }
        if (channels > names.length && !warnedChannels) {
          warnedChannels = true;
          problems.push({
            file: pair.image,
            problem: `the model has ${channels} output channels for ${names.length} classes; predictions past the class list are not scored`,
          });
        }
        if (options.crf && channels < 2)
          throw new InputError('the dense CRF needs at least 2 output channels');
        await addScores(evaluator, scored, label, options.threshold ?? 0);
        if (channels === 1) {
          apScores.push(resizeMaskScores(data, w, h, label.width, label.height));
          apTargets.push(label.labels);
        }
        if (options.crf) {
          const t2 = performance.now();
          const small: RgbImage =
            w === image.width && h === image.height ? image : resizeBilinear(image, h, w);
          const logits = new Tensor('float32', [1, channels, h, w], data);
          const q = await denseCrf({ logits, image: small, params: options.crf });
          crfTime += performance.now() - t2;
          crfEvaluator ??= await create();
          await addScores(crfEvaluator, { channels, h, w, data: q.data }, label, 0);
        }
        evaluated++;
        total += performance.now() - t0;
      } catch (e) {
        if (!(e instanceof AtrousError)) throw e;
        problems.push({ file: pair.label, problem: `${e.message}; skipped` });
      } finally {
        options.onImage?.(i + 1, pairs.length);
      }
    }
  } finally {
    // The webgpu kernel holds a device (its counts stay on the host after release).
    evaluator?.release();
    crfEvaluator?.release();
  }
  if (!evaluator || !names)
    throw new InputError(`no image of ${imagesDir} could be evaluated (${problems.length} problems)`);
  const result: EvaluateResult = {
    report: evaluator.report(),
    classNames: names,
    pairs: pairs.length,
    evaluated,
    problems,
    msPerImage: total / evaluated,
    inferenceMsPerImage: inference / evaluated,
    modelRuns,
  };
  if (options.crf && crfEvaluator) {
    result.crf = { preset: options.crf, report: crfEvaluator.report(), msPerImage: crfTime / evaluated };
  }
  if (apScores.length > 0)
    result.averagePrecision = averagePrecision(concat(apScores), concatLabels(apTargets));
  return result;
}

/**
 * Scores at the label size go straight into the fused argmax + confusion kernel; otherwise the
 * argmax (one channel: score > threshold) is resized back to the label size with nearest neighbour.
 */
async function addScores(ev: Evaluator, s: Scored, label: LabelMap, threshold: number): Promise<void> {
  const { channels, h, w, data } = s;
  if (s.labels) {
    const mask = { width: w, height: h, labels: s.labels, classes: channels };
    const full =
      h === label.height && w === label.width ? mask : resizeMaskNearest(mask, label.width, label.height);
    await ev.addLabels(full.labels, label.labels, label.width, label.height);
    return;
  }
  if (channels > 1 && h === label.height && w === label.width) {
    await ev.addLogits(data, channels, label.labels, w, h);
    return;
  }
  const pred =
    channels === 1
      ? Uint8Array.from(data, (v) => (v > threshold ? 1 : 0))
      : argmaxLabels(data, channels, h * w);
  const mask = { width: w, height: h, labels: pred, classes: Math.max(2, channels) };
  const full = resizeMaskNearest(mask, label.width, label.height);
  await ev.addLabels(full.labels, label.labels, label.width, label.height);
}
