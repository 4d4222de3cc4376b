import { type Command, Option } from 'commander';
import { Session } from '../engine/session.js';
import type { Graph } from '../graph/ir.js';
import { IMAGENET_MEAN, IMAGENET_STD } from '../io/image.js';
import { writeBytes } from '../io/node.js';
import { CRF_PRESET_NAMES, type CrfPresetName } from '../post/crf/index.js';
import { withDeviceArgmax } from '../post/datasets/device-argmax.js';
import { type EvaluateResult, evaluateFolder } from '../post/datasets/evaluate.js';
import { readClassNames } from '../post/datasets/folder.js';
import { builtinClasses, LABEL_FORMATS, type LabelFormat } from '../post/datasets/labels.js';
import { confusionHeatmapPng, iouBarChartPng, iouBarChartSvg } from '../post/metrics/charts.js';
import type { MetricsKernel, MetricsReport } from '../post/metrics/evaluator.js';
import {
  type BackendName,
  backendOption,
  type CliIO,
  formatNumber,
  loadGraph,
  parseSize,
  parseTriple,
  UsageError,
} from './common.js';
import { progress } from './progress.js';

export interface EvalOptions {
  images: string;
  labels: string;
  format: LabelFormat;
  classes?: string;
  backend: BackendName;
  metricsKernel?: MetricsKernel;
  json?: string;
  heatmap?: string;
  iouChart?: string;
  size?: string;
  threshold: string;
  mean?: string;
  std?: string;
  boundaryTol: string;
  boundary: boolean;
  sliding?: boolean;
  crf?: CrfPresetName;
  optimize: boolean;
}

export function registerEval(program: Command, io: CliIO): void {
  program
    .command('eval')
    .description(
      'evaluate a segmentation model on a folder of images + label PNGs (mIoU, accuracy, Dice, boundary F, HD95)',
    )
    .argument('<model>', 'model file (.onnx)')
    .requiredOption('--images <dir>', 'images (PNG/JPEG), searched recursively')
    .requiredOption('--labels <dir>', 'label PNGs, paired with the images by basename')
    .addOption(
      new Option('--format <kind>', 'label format').choices(LABEL_FORMATS as string[]).default('plain'),
    )
    .option(
      '--classes <file.txt>',
      "class names, one per line (default: the format's, else the model's metadata, else 0..C-1)",
    )
    .addOption(backendOption())
    .addOption(
      new Option(
        '--metrics-kernel <kind>',
        "where the confusion matrix is accumulated (default: the backend's kernel: wasm, webgpu, else ref)",
      ).choices(['ref', 'wasm', 'webgpu']),
    )
    .addOption(
      new Option(
        '--crf <preset>',
        'also evaluate the predictions refined by the dense CRF (both reported)',
      ).choices(CRF_PRESET_NAMES as string[]),
    )
    .option('--json <out.json>', 'write the full report as JSON')
    .option('--heatmap <cm.png>', 'write the row-normalized confusion matrix as a PNG heatmap')
    .option(
      '--iou-chart <iou.png|iou.svg>',
      'write a per-class IoU bar chart (PNG without text, or SVG with labels)',
    )
    .option(
      '--threshold <t>',
      'one-channel models: foreground where the score exceeds this (0 for logits, 0.5 for probabilities)',
      '0',
    )
    .option('--size <HxW>', 'model input size (default: the model input size, else the image size)')
    .option(
      '--sliding',
      "sliding-window inference at the image's resolution (tiles of the model input size, 1/3 overlap) instead of resizing",
    )
    .option('--mean <r,g,b>', "normalization mean (default: the model's metadata, else ImageNet's)")
    .option('--std <r,g,b>', "normalization std (default: the model's metadata, else ImageNet's)")
    .option('--boundary-tol <px>', 'boundary F-score tolerance in pixels', '2')
    .option('--no-boundary', 'skip the boundary F-score and HD95 (faster)')
    .option('--no-optimize', 'run the graph as imported, without the optimization passes')
    .action((model: string, opts: EvalOptions) => evalCommand(model, opts, io));
}

export async function evalCommand(modelPath: string, opts: EvalOptions, io: CliIO): Promise<void> {
  const tol = Number(opts.boundaryTol);
  if (!(tol >= 0)) throw new UsageError(`--boundary-tol '${opts.boundaryTol}' must be a number >= 0`);
  const size = opts.size ? parseSize(opts.size) : undefined;
  const threshold = Number(opts.threshold);
  if (!Number.isFinite(threshold)) throw new UsageError(`--threshold '${opts.threshold}' is not a number`);
  const graph = await loadGraph(modelPath);
  const meta = graph.metadata ?? {};
  const mean = opts.mean ? parseTriple(opts.mean, '--mean') : (metaTriple(meta.mean) ?? [...IMAGENET_MEAN]);
  const std = opts.std ? parseTriple(opts.std, '--std') : (metaTriple(meta.std) ?? [...IMAGENET_STD]);
  const classNames = opts.classes
    ? await readClassNames(opts.classes)
    : (builtinClasses(opts.format) ?? meta.class_names?.split(',').map((n) => n.trim()));
  const kernel: MetricsKernel =
    opts.metricsKernel ?? (opts.backend === 'wasm' || opts.backend === 'webgpu' ? opts.backend : 'ref');
  // Without the CRF or tiling, the backend also computes the argmax: only labels come back.
  const argmax = opts.crf || opts.sliding ? undefined : withDeviceArgmax(graph, graphLayout(graph));
  const session = await Session.create(argmax?.graph ?? graph, {
    backend: opts.backend,
    optimize: opts.optimize,
  });
  let bar = progress(io, 'eval', 1);
  let result: EvaluateResult;
  try {
    result = await evaluateFolder(session, opts.images, opts.labels, {
      format: opts.format,
      classNames,
      kernel,
      boundaryTolerance: opts.boundary ? tol : false,
      mean,
      std,
      size,
      sliding: opts.sliding ?? false,
      crf: opts.crf,
      labelChannels: argmax?.channels,
      threshold,
      onImage: (done, total) => {
        if (done === 1) {
          bar.stop();
          bar = progress(io, 'eval', total);
        }
        bar.update(done, `${done}/${total} images`);
      },
    });
  } finally {
    bar.stop();
    session.release();
  }
  printReport(result, io);
  const r = result.report;
  if (opts.json) {
    const json = {
      model: modelPath,
      backend: opts.backend,
      metricsKernel: kernel,
      argmaxOnBackend: argmax !== undefined,
      format: opts.format,
      images: opts.images,
      labels: opts.labels,
      pairs: result.pairs,
      evaluated: result.evaluated,
      classNames: result.classNames,
      msPerImage: result.msPerImage,
      inferenceMsPerImage: result.inferenceMsPerImage,
      sliding: opts.sliding ?? false,
      modelRuns: result.modelRuns,
      averagePrecision: result.averagePrecision,
      metrics: r,
      crf: result.crf && {
        preset: result.crf.preset,
        msPerImage: result.crf.msPerImage,
        metrics: result.crf.report,
      },
      problems: result.problems,
    };
    // NaN (a class absent from both prediction and truth) becomes null.
    const text = JSON.stringify(
      json,
      (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v),
      2,
    );
    await writeBytes(opts.json, new TextEncoder().encode(`${text}\n`));
    io.out(`${opts.json}: JSON report`);
  }
  if (opts.heatmap) {
    await writeBytes(opts.heatmap, confusionHeatmapPng(r.confusion.flat(), r.classes));
    io.out(`${opts.heatmap}: confusion-matrix heatmap (${r.classes}x${r.classes}, rows normalized)`);
  }
  if (opts.iouChart) {
    const svg = opts.iouChart.toLowerCase().endsWith('.svg');
    const bytes = svg
      ? new TextEncoder().encode(iouBarChartSvg(r.scores.iou, result.classNames))
      : iouBarChartPng(r.scores.iou);
    await writeBytes(opts.iouChart, bytes);
    io.out(`${opts.iouChart}: per-class IoU bar chart`);
  }
}

const pct = (v: number) => (Number.isNaN(v) ? '-' : (100 * v).toFixed(2));
const num = (v: number) => (Number.isNaN(v) ? '-' : v.toFixed(2));

function printReport(result: EvaluateResult, io: CliIO): void {
  const r = result.report;
  printTable(r, result.classNames, io);
  if (result.crf) {
    io.out(`with the dense CRF (${result.crf.preset}, ${result.crf.msPerImage.toFixed(1)} ms/image):`);
    printTable(result.crf.report, result.classNames, io);
  }
  if (result.averagePrecision !== undefined)
    io.out(`average precision ${formatNumber(result.averagePrecision)}`);
  io.out(
    `${result.evaluated}/${result.pairs} images evaluated (${r.kernel} confusion kernel), ${result.msPerImage.toFixed(1)} ms/image (model ${result.inferenceMsPerImage.toFixed(1)} ms)`,
  );
  if (r.skipped.unknownTruth || r.skipped.badPrediction) {
    io.out(
      `not scored: ${r.skipped.unknownTruth} pixels with unknown labels, ${r.skipped.badPrediction} predictions past the class list`,
    );
  }
  if (result.problems.length > 0) {
    io.err(`${result.problems.length} problem(s):`);
    for (const p of result.problems) io.err(`  ${p.file}: ${p.problem}`);
  }
}

/** The per-class table and the summary lines of one report. */
function printTable(r: MetricsReport, classNames: readonly string[], io: CliIO): void {
  const s = r.scores;
  const b = r.boundary;
  const width = Math.max(5, ...classNames.map((n) => n.length));
  const head = ['class'.padEnd(width), 'IoU', 'acc', 'Dice'];
  if (b) head.push(`BF@${b.tolerance}`, 'HD95');
  io.out(
    [...head.slice(0, 1), ...head.slice(1).map((h) => h.padStart(7)), 'truth px'.padStart(12)].join(' '),
  );
  for (let c = 0; c < r.classes; c++) {
    const cells = [pct(s.iou[c] as number), pct(s.classAccuracy[c] as number), pct(s.dice[c] as number)];
    if (b) cells.push(pct(b.fScore[c] as number), num(b.hd95[c] as number));
    const name = (classNames[c] ?? String(c)).padEnd(width);
    io.out([name, ...cells.map((x) => x.padStart(7)), String(s.truthPixels[c]).padStart(12)].join(' '));
  }
  io.out(
    `mIoU ${pct(s.meanIoU)}  pixel acc ${pct(s.pixelAccuracy)}  mean class acc ${pct(s.meanClassAccuracy)}  fwIoU ${pct(s.frequencyWeightedIoU)}  mean Dice ${pct(s.meanDice)}`,
  );
  if (b) io.out(`boundary F (tol ${b.tolerance} px) ${pct(b.meanFScore)}  mean HD95 ${num(b.meanHd95)} px`);
}

function metaTriple(text: string | undefined): number[] | undefined {
  const nums = text?.split(',').map(Number);
  return nums?.length === 3 && nums.every(Number.isFinite) ? nums : undefined;
}

/** The image input's layout (an NHWC model's scores are NHWC too); NCHW unless the input says otherwise. */
function graphLayout(graph: Graph): 'NCHW' | 'NHWC' {
  const shape = graph.inputs.find((t) => !graph.initializers.has(t.name))?.shape;
  return shape?.length === 4 && shape[3] === 3 && shape[1] !== 3 ? 'NHWC' : 'NCHW';
}
