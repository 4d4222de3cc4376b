import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decode as decodePng, encode as encodePng } from 'fast-png';
import { afterAll, describe, expect, it } from 'vitest';
import { cli, removeWorkDirs, workDir } from './models.js';

afterAll(removeWorkDirs);

/**
 * `atrous eval` on a real model: the bundled MediaPipe selfie model over the bundled photos, scored
 * against MediaPipe's own person masks (test/fixtures/mediapipe, thresholded at 0.5) as labels.
 * Eval resizes with its own bilinear and upsamples labels by nearest neighbour (MediaPipe upsamples
 * the confidence bilinearly), so agreement is high but not exact.
 */
describe('atrous eval: the selfie model vs MediaPipe masks on the bundled photos', () => {
  it('one-channel NHWC output thresholded at 0.5; person IoU >= 0.97; same report on ref and wasm', async () => {
    const root = workDir();
    const images = join(root, 'images');
    const labels = join(root, 'labels');
    mkdirSync(images);
    mkdirSync(labels);
    for (const photo of ['astronaut', 'chelsea', 'coffee']) {
      copyFileSync(`assets/${photo}.png`, join(images, `${photo}.png`));
      const mp = decodePng(readFileSync(`test/fixtures/mediapipe/${photo}.png`));
      const lab = Uint8Array.from(mp.data, (v) => (v > 127 ? 1 : 0));
      const png = encodePng({ width: mp.width, height: mp.height, data: lab, channels: 1, depth: 8 });
      writeFileSync(join(labels, `${photo}.png`), png);
    }
    const reports = [];
    for (const backend of ['ref', 'wasm']) {
      const json = join(root, `${backend}.json`);
      const r = await cli(
        'eval',
        'assets/selfie_segmentation.tflite',
        '--images',
        images,
        '--labels',
        labels,
        '--format',
        'plain',
        '--mean',
        '0,0,0',
        '--std',
        '1,1,1',
        '--threshold',
        '0.5',
        '--backend',
        backend,
        '--json',
        json,
      );
      expect(r.err).toEqual([]);
      expect(r.code).toBe(0);
      const report = JSON.parse(readFileSync(json, 'utf8'));
      expect(report).toMatchObject({ evaluated: 3, argmaxOnBackend: false });
      expect(report.metrics.scores.iou[1]).toBeGreaterThan(0.97);
      expect(report.metrics.scores.pixelAccuracy).toBeGreaterThan(0.98);
      expect(report.averagePrecision).toBeGreaterThan(0.98);
      reports.push(report.metrics.confusion);
    }
    // Backends may differ in the last float bits; a pixel may flip exactly at the threshold.
    const [a, b] = reports as number[][][];
    const flips = Math.abs((a?.[0]?.[1] as number) - (b?.[0]?.[1] as number));
    expect(flips).toBeLessThanOrEqual(16);
  }, 120_000);
});
