import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decode as decodePng, encode as encodePng } from 'fast-png';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../src/graph/builder.js';
import { exportOnnx } from '../../src/graph/export/onnx.js';
import { vocPalette } from '../../src/io/mask.js';
import { averagePrecision } from '../../src/post/metrics/index.js';
import { Rng } from '../../src/util/random.js';
import { webgpuSkipReason } from '../webgpu/helpers.js';
import { cli, quadrantPng, removeWorkDirs, sigmoidSegModel, workDir } from './models.js';

let dir: string;
let images: string;
let labels: string;
let classes: string;

/** Truth for the 16x16 quadrant photo: top 0, bottom-left 1, bottom-right 2 (what the model predicts). */
function quadrantTruth(): number[] {
  const t: number[] = [];
  for (let y = 0; y < 16; y++) for (let x = 0; x < 16; x++) t.push(y < 8 ? 0 : x < 8 ? 1 : 2);
  return t;
}

function labelPng(path: string, values: number[], size = 16): void {
  writeFileSync(
    path,
    encodePng({ width: size, height: size, data: Uint8Array.from(values), channels: 1, depth: 8 }),
  );
}

beforeAll(() => {
  dir = workDir();
  images = join(dir, 'images');
  labels = join(dir, 'labels');
  mkdirSync(images);
  mkdirSync(labels);
  for (const name of ['a', 'b', 'c', 'd', 'e']) quadrantPng(images, `${name}.png`);
  // a: row y = 8 of the blue quadrant is labelled 1, the last pixel ignored (255).
  const a = quadrantTruth();
  for (let x = 8; x < 16; x++) a[8 * 16 + x] = 1;
  a[255] = 255;
  labelPng(join(labels, 'a.png'), a);
  // b: exact, except one unknown label value (7) → a problem, that pixel not scored.
  const b = quadrantTruth();
  b[0] = 7;
  labelPng(join(labels, 'b.png'), b);
  labelPng(join(labels, 'c.png'), new Array(64).fill(0), 8); // size mismatch
  writeFileSync(
    join(labels, 'd.png'),
    Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0]),
  ); // corrupt
  // e has no label.
  classes = join(dir, 'classes.txt');
  writeFileSync(classes, 'red\ngreen\nblue\n');
});

afterAll(removeWorkDirs);

const EXPECTED = [
  [255, 0, 0],
  [0, 128, 8],
  [0, 0, 119],
];

interface Report {
  evaluated: number;
  pairs: number;
  classNames: string[];
  metrics: {
    kernel: string;
    confusion: number[][];
    scores: { meanIoU: number; iou: number[]; pixelAccuracy: number };
    boundary: { fScore: (number | null)[]; hd95: (number | null)[] };
  };
  problems: { file: string; problem: string }[];
}

async function run(model: string, name: string, ...extra: string[]) {
  const json = join(dir, `${name}.json`);
  const r = await cli(
    'eval',
    model,
    '--images',
    images,
    '--labels',
    labels,
    '--classes',
    classes,
    '--json',
    json,
    ...extra,
  );
  return { ...r, report: JSON.parse(readFileSync(json, 'utf8')) as Report };
}

describe('atrous eval', () => {
  it('prints the per-class table, writes JSON; bad files are problems and the run goes on', async () => {
    const r = await run(sigmoidSegModel(dir, [1, 3, 'H', 'W'], 'sym.onnx'), 'sym');
    expect(r.code).toBe(0);
    const rep = r.report;
    expect(rep.metrics.confusion).toEqual(EXPECTED);
    expect([rep.pairs, rep.evaluated]).toEqual([4, 2]);
    expect(rep.classNames).toEqual(['red', 'green', 'blue']);
    const iou = [1, 128 / 136, 119 / 127];
    rep.metrics.scores.iou.forEach((v, c) => {
      expect(v).toBeCloseTo(iou[c] as number, 12);
    });
    expect(rep.metrics.scores.meanIoU).toBeCloseTo((1 + 128 / 136 + 119 / 127) / 3, 12);
    expect(rep.metrics.scores.pixelAccuracy).toBeCloseTo(502 / 510, 12);
    const problems = rep.problems.map((p) => `${p.file.slice(dir.length + 1)}: ${p.problem}`);
    expect(problems).toEqual([
      expect.stringMatching(/^images\/e\.png: no label PNG named e/),
      'labels/b.png: label values outside 0..2 and 255: 7 (1 px); not scored',
      'labels/c.png: label is 8x8 but the image is 16x16; skipped',
      expect.stringMatching(/^labels\/d\.png: cannot decode the label PNG/),
    ]);
    expect(r.out[0]).toMatch(/^class\s+IoU\s+acc\s+Dice\s+BF@2\s+HD95\s+truth px$/);
    expect(r.out[1]).toMatch(/^red\s+100\.00\s+100\.00\s+100\.00\s+100\.00\s+0\.00\s+255$/);
    expect(r.out.join('\n')).toMatch(/mIoU 95\.94 {2}pixel acc 98\.43/);
    expect(r.err[0]).toBe('4 problem(s):');
  });

  it('resizes predictions back to the label size (fixed 8x8 model input): same matrix', async () => {
    const r = await run(sigmoidSegModel(dir, [1, 3, 8, 8], 'fixed.onnx'), 'fixed');
    expect(r.code).toBe(0);
    expect(r.report.metrics.confusion).toEqual(EXPECTED);
  });

  it('--sliding: 8x8 tiles at the image resolution, same matrix', async () => {
    const r = await run(sigmoidSegModel(dir, [1, 3, 8, 8], 'tiles.onnx'), 'tiles', '--sliding');
    expect(r.code).toBe(0);
    // 16x16 images, 8x8 tiles, stride 6: origins [0, 6, 8] on each axis → 9 tiles per image.
    expect((r.report as Report & { modelRuns: number }).modelRuns).toBe(18);
    expect(r.report.metrics.confusion).toEqual(EXPECTED);
  });

  it('--format voc: palette label PNGs (raw indices, 255 ignored) and the 21 VOC class names', async () => {
    const root = workDir();
    mkdirSync(join(root, 'img'));
    mkdirSync(join(root, 'lab'));
    quadrantPng(join(root, 'img'), 'x.png');
    const truth = quadrantTruth();
    truth[0] = 255;
    const palette = vocPalette(256).map(([r, g, b]) => [r, g, b]);
    const data = Uint8Array.from(truth);
    writeFileSync(
      join(root, 'lab', 'x.png'),
      encodePng({ width: 16, height: 16, data, channels: 1, depth: 8, palette }),
    );
    const json = join(root, 'voc.json');
    const model = sigmoidSegModel(dir, [1, 3, 'H', 'W'], 'voc.onnx');
    const r = await cli(
      'eval',
      model,
      '--images',
      join(root, 'img'),
      '--labels',
      join(root, 'lab'),
      '--format',
      'voc',
      '--json',
      json,
    );
    expect(r.code).toBe(0);
    const rep = JSON.parse(readFileSync(json, 'utf8')) as Report;
    expect(rep.classNames.slice(0, 3)).toEqual(['background', 'aeroplane', 'bicycle']);
    expect(rep.metrics.confusion.length).toBe(21);
    expect(rep.metrics.confusion.slice(0, 3).map((row) => row.slice(0, 3))).toEqual([
      [127, 0, 0],
      [0, 64, 0],
      [0, 0, 64],
    ]);
    expect(r.out.some((l) => /^tvmonitor\s+-\s+-\s+-/.test(l))).toBe(true);
  });

  it('--crf: evaluates with and without the dense CRF in one run', async () => {
    const r = await run(sigmoidSegModel(dir, [1, 3, 'H', 'W'], 'crf.onnx'), 'crf', '--crf', 'deeplab-v2');
    expect(r.code).toBe(0);
    const rep = r.report as Report & { crf: { preset: string; metrics: Report['metrics'] } };
    expect(rep.metrics.confusion).toEqual(EXPECTED);
    expect(rep.crf.preset).toBe('deeplab-v2');
    // Flat colour quadrants: the CRF keeps the edges where the colours change.
    expect(rep.crf.metrics.confusion).toEqual(EXPECTED);
    expect(r.out.some((l) => l.startsWith('with the dense CRF (deeplab-v2, '))).toBe(true);
    expect(r.out.filter((l) => l.startsWith('mIoU ')).length).toBe(2);
  });

  it('the WASM confusion kernel gives the same report as the TS one', async () => {
    const model = sigmoidSegModel(dir, [1, 3, 'H', 'W'], 'sym2.onnx');
    const ref = await run(model, 'ref', '--metrics-kernel', 'ref');
    const wasm = await run(model, 'wasm', '--metrics-kernel', 'wasm');
    expect(wasm.report.metrics.kernel).toBe('wasm');
    expect({ ...wasm.report.metrics, kernel: 'ref' }).toEqual(ref.report.metrics);
  });

  it('the backend computes the argmax (only labels come back): same report on ref, wasm and webgpu', async () => {
    // webgpu plans memory from static shapes: a fixed 16x16 input, like the images.
    const model = sigmoidSegModel(dir, [1, 3, 16, 16], 'fixed16.onnx');
    const withCrf = await run(model, 'scores', '--crf', 'densecrf');
    expect(withCrf.report).toMatchObject({ argmaxOnBackend: false });
    const backends = ['ref', 'wasm', ...((await webgpuSkipReason()) ? [] : ['webgpu'])];
    for (const backend of backends) {
      const r = await run(model, `labels-${backend}`, '--backend', backend, '--metrics-kernel', 'ref');
      expect(r.report, backend).toMatchObject({ argmaxOnBackend: true });
      expect(r.report.metrics.confusion, backend).toEqual(EXPECTED);
      expect(r.report.metrics, backend).toEqual(withCrf.report.metrics);
    }
  });

  it('writes the confusion heatmap and the IoU bar chart (PNG and SVG)', async () => {
    // webgpu plans memory from static shapes: a fixed 16x16 input, like the images.
    const model = sigmoidSegModel(dir, [1, 3, 16, 16], 'fixed16.onnx');
    const heat = join(dir, 'cm.png');
    const bars = join(dir, 'iou.png');
    const svg = join(dir, 'iou.svg');
    const r = await cli(
      'eval',
      model,
      '--images',
      images,
      '--labels',
      labels,
      '--heatmap',
      heat,
      '--iou-chart',
      bars,
    );
    expect(r.code).toBe(0);
    const h = decodePng(readFileSync(heat));
    expect([h.width, h.height]).toEqual([97, 97]); // 3 cells of 32 px + grid line
    // Cell (0, 0): class 0 fully right → darkest blue; cell (0, 1) → white.
    const px = (x: number, y: number) => [...h.data.subarray((y * 97 + x) * 4, (y * 97 + x) * 4 + 3)];
    expect(px(16, 16)).toEqual([8, 48, 107]);
    expect(px(48, 16)).toEqual([255, 255, 255]);
    expect(decodePng(readFileSync(bars)).height).toBe(220);
    await cli(
      'eval',
      model,
      '--images',
      images,
      '--labels',
      labels,
      '--iou-chart',
      svg,
      '--classes',
      classes,
    );
    expect(readFileSync(svg, 'utf8')).toMatch(/<svg[\s\S]*>green<\/text>/);
  });

  it('bad command lines and folders', async () => {
    const model = sigmoidSegModel(dir, [1, 3, 'H', 'W'], 'sym4.onnx');
    expect((await cli('eval', model, '--images', images)).code).toBe(2);
    expect((await cli('eval', model, '--images', images, '--labels', labels, '--format', 'coco')).code).toBe(
      2,
    );
    const missing = await cli('eval', model, '--images', join(dir, 'none'), '--labels', labels);
    expect(missing.code).toBe(1);
    expect(missing.err.join('\n')).toMatch(/none: no such directory/);
  });
});

interface Oracle {
  classes: number;
  tolerance: number;
  images: { width: number; height: number; pred: number[]; truth: number[] }[];
  confusion: number[][];
  iou: (number | null)[];
  meanIoU: number;
  boundaryF: (number | null)[];
  hd95: (number | null)[];
}

describe('atrous eval end to end vs the scikit-learn/scipy oracle', () => {
  it('a 5-class "nearest red level" model on images that encode the oracle predictions', async () => {
    const oracle = JSON.parse(
      readFileSync(new URL('../fixtures/metrics/metrics.json', import.meta.url), 'utf8'),
    ) as Oracle;
    const root = workDir();
    mkdirSync(join(root, 'img'));
    mkdirSync(join(root, 'lab'));
    // Class k ↔ red level k/4: score_k = 2 μ_k r − μ_k² is largest for the μ_k nearest to r.
    const mu = [0, 0.25, 0.5, 0.75, 1];
    const b = new GraphBuilder('levels');
    const x = b.input('image', [1, 3, 'H', 'W']);
    const w = b.param(
      'w',
      [5, 3, 1, 1],
      mu.flatMap((m) => [2 * m, 0, 0]),
    );
    const bias = b.param(
      'b',
      [5],
      mu.map((m) => -m * m),
    );
    b.output(b.op('Conv', [x, w, bias], {}, { name: 'conv', outputs: ['logits'] }));
    const model = join(root, 'levels.onnx');
    writeFileSync(model, exportOnnx(b.build()));
    oracle.images.forEach((im, i) => {
      const rgb = new Uint8Array(im.width * im.height * 3);
      im.pred.forEach((p, k) => {
        rgb[3 * k] = Math.round(255 * (mu[p] as number));
      });
      writeFileSync(
        join(root, 'img', `im${i}.png`),
        encodePng({ width: im.width, height: im.height, data: rgb, channels: 3, depth: 8 }),
      );
      writeFileSync(
        join(root, 'lab', `im${i}.png`),
        encodePng({
          width: im.width,
          height: im.height,
          data: Uint8Array.from(im.truth),
          channels: 1,
          depth: 8,
        }),
      );
    });
    const json = join(root, 'r.json');
    for (const kernel of ['ref', 'wasm']) {
      const r = await cli(
        'eval',
        model,
        '--images',
        join(root, 'img'),
        '--labels',
        join(root, 'lab'),
        '--mean',
        '0,0,0',
        '--std',
        '1,1,1',
        '--metrics-kernel',
        kernel,
        '--json',
        json,
      );
      expect(r.code).toBe(0);
      const m = (JSON.parse(readFileSync(json, 'utf8')) as Report).metrics;
      expect(m.confusion).toEqual(oracle.confusion);
      const near = (a: (number | null)[], e: (number | null)[]) =>
        a.forEach((v, c) => {
          if (e[c] === null) expect(v).toBeNull();
          else expect(v).toBeCloseTo(e[c] as number, 12);
        });
      near(m.scores.iou, oracle.iou);
      expect(m.scores.meanIoU).toBeCloseTo(oracle.meanIoU, 12);
      near(m.boundary.fScore, oracle.boundaryF);
      near(m.boundary.hd95, oracle.hd95);
    }
  });
});

describe('atrous eval on a one-channel (binary) model', () => {
  it('thresholds the score at 0 and reports the average precision of the scores', async () => {
    const root = workDir();
    mkdirSync(join(root, 'img'));
    mkdirSync(join(root, 'lab'));
    const b = new GraphBuilder('binary');
    const x = b.input('image', [1, 3, 'H', 'W']);
    const w = b.param('w', [1, 3, 1, 1], [1, 0, 0]);
    const bias = b.param('b', [1], [-0.5]);
    b.output(b.op('Conv', [x, w, bias], {}, { name: 'conv', outputs: ['score'] }));
    const model = join(root, 'binary.onnx');
    writeFileSync(model, exportOnnx(b.build()));
    const rng = new Rng(9);
    const reds: number[] = [];
    const targets: number[] = [];
    const counts = [0, 0, 0, 0]; // truth 0/1 × predicted 0/1
    for (let i = 0; i < 2; i++) {
      const n = 12 * 10;
      const rgb = new Uint8Array(n * 3);
      const lab = new Uint8Array(n);
      for (let p = 0; p < n; p++) {
        const v = rng.int(0, 255);
        rgb[3 * p] = v;
        lab[p] = rng.next() < v / 255 ? 1 : 0;
        reds.push(v);
        targets.push(lab[p] as number);
        counts[2 * (lab[p] as number) + (v / 255 > 0.5 ? 1 : 0)]++;
      }
      writeFileSync(
        join(root, 'img', `${i}.png`),
        encodePng({ width: 12, height: 10, data: rgb, channels: 3, depth: 8 }),
      );
      writeFileSync(
        join(root, 'lab', `${i}.png`),
        encodePng({ width: 12, height: 10, data: lab, channels: 1, depth: 8 }),
      );
    }
    const json = join(root, 'r.json');
    const r = await cli(
      'eval',
      model,
      '--images',
      join(root, 'img'),
      '--labels',
      join(root, 'lab'),
      '--mean',
      '0,0,0',
      '--std',
      '1,1,1',
      '--json',
      json,
    );
    expect(r.code).toBe(0);
    const rep = JSON.parse(readFileSync(json, 'utf8')) as Report & { averagePrecision: number };
    expect(rep.metrics.confusion).toEqual([counts.slice(0, 2), counts.slice(2)]);
    // The score is a strictly increasing function of the red level: same ranking, same AP.
    expect(rep.averagePrecision).toBeCloseTo(averagePrecision(reds, targets), 12);
    expect(rep.averagePrecision).toBeGreaterThan(0.5);
  });
});
