import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  CHROMIUM,
  fixtureName,
  loadPhoto,
  PHOTOS,
  runMediapipeOracle,
} from '../../scripts/mediapipe-oracle.mjs';
import { Session } from '../../src/engine/session.js';
import { SELFIE_MODELS, segmentPerson } from '../../src/zoo/selfie.js';
import { compareMasks, expectAgreement, formatAgreement, readOracleMask } from '../helpers/person-mask.js';

/**
 * Re-runs the oracle instead of trusting the committed maps: MediaPipe's selfie segmentation solution
 * (WASM + WebGL on SwiftShader) in headless Chromium on the bundled photos, against atrous (wasm
 * backend) on the same pixels, and against test/fixtures/mediapipe (stale fixtures fail here).
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

async function hasPlaywright(): Promise<boolean> {
  try {
    await import('playwright-core');
    return true;
  } catch {
    return false;
  }
}

const skip = !(await hasPlaywright())
  ? 'playwright-core is not installed'
  : !existsSync(CHROMIUM)
    ? `${CHROMIUM} is missing (apt-get install chromium)`
    : !existsSync(join(ROOT, 'node_modules/@mediapipe/selfie_segmentation/selfie_segmentation.js'))
      ? '@mediapipe/selfie_segmentation is not installed (npm install)'
      : undefined;
if (skip) console.warn(`MediaPipe live oracle skipped: ${skip}`);

const MODELS = [
  { selection: 0, spec: SELFIE_MODELS.general },
  { selection: 1, spec: SELFIE_MODELS.landscape },
];

describe.skipIf(skip !== undefined)('MediaPipe selfie segmentation, live in Chromium', () => {
  for (const { selection, spec } of MODELS) {
    it(`${spec.file}: atrous matches MediaPipe on the bundled photos`, async () => {
      const run = await runMediapipeOracle({
        root: ROOT,
        options: { modelSelection: selection, selfieMode: false },
      });
      console.log(`MediaPipe ${run.version} in Chromium ${run.browserVersion} (${run.renderer})`);
      const session = await Session.create(new Uint8Array(readFileSync(join(ROOT, 'assets', spec.file))), {
        backend: 'wasm',
      });
      try {
        expect(run.results.map((r) => r.name)).toEqual(PHOTOS);
        for (const live of run.results) {
          const photo = loadPhoto(ROOT, live.name);
          const image = { width: photo.width, height: photo.height, data: photo.rgb };
          expect([live.width, live.height]).toEqual([image.width, image.height]);
          const oracle = { width: live.width, height: live.height, data: live.a };
          const mask = await segmentPerson(session, image);
          const vsLive = compareMasks(mask, oracle);
          console.log(formatAgreement(`${spec.file} wasm vs live ${live.name}`, vsLive));
          expectAgreement(vsLive, `${spec.file} ${live.name} vs live MediaPipe`);

          // The committed map as if it were atrous's output: same tolerance both ways.
          const committed = readOracleMask(
            join(ROOT, 'test/fixtures/mediapipe', fixtureName(live.name, selection)),
          );
          const asMask = { ...committed, confidence: Float32Array.from(committed.data, (v) => v / 255) };
          const drift = compareMasks(asMask, oracle);
          console.log(formatAgreement(`${spec.file} fixture vs live ${live.name}`, drift));
          expectAgreement(
            drift,
            `${fixtureName(live.name, selection)} vs live MediaPipe (regenerate the fixtures?)`,
          );
        }
      } finally {
        session.release();
      }
    }, 400_000);
  }
});
