import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPhoto, PHOTOS } from '../../scripts/mediapipe-oracle.mjs';
import type { BackendName } from '../../src/engine/backend.js';
import { Session } from '../../src/engine/session.js';
import { decodeImage, type RgbImage } from '../../src/io/image.js';
import { SELFIE_MODELS, segmentPerson } from '../../src/zoo/selfie.js';
import {
  compareMasks,
  expectAgreement,
  formatAgreement,
  type OracleMask,
  readOracleMask,
} from '../helpers/person-mask.js';
import { webgpuSkipReason } from '../webgpu/helpers.js';

/**
 * atrous's selfie pipeline (src/zoo/selfie.ts on the imported .tflite) against MediaPipe's own
 * selfie segmentation solution run in headless Chromium (committed maps, written by
 * scripts/mediapipe-oracle.mjs; test/hosts/mediapipe-live.test.ts re-runs MediaPipe live).
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MODELS = [
  { spec: SELFIE_MODELS.general, suffix: '' },
  { spec: SELFIE_MODELS.landscape, suffix: '.landscape' },
];
const gpuSkip = await webgpuSkipReason();
if (gpuSkip) console.warn(`selfie oracle on webgpu skipped: ${gpuSkip}`);
const BACKENDS: BackendName[] = ['ref', 'wasm', 'webgpu'];

/** Exactly the pixels MediaPipe was given: the bundled photos, and a crop smaller than the model input. */
const photos = new Map<string, RgbImage>(
  PHOTOS.map((p) => {
    const { width, height, rgb } = loadPhoto(ROOT, p);
    return [p, { width, height, data: rgb }];
  }),
);

it('the oracle script decodes the bundled photos exactly like atrous', () => {
  for (const p of ['astronaut', 'chelsea', 'coffee']) {
    const ours = decodeImage(new Uint8Array(readFileSync(join(ROOT, 'assets', `${p}.png`))));
    const theirs = photos.get(p) as RgbImage;
    expect([theirs.width, theirs.height]).toEqual([ours.width, ours.height]);
    expect(Buffer.compare(Buffer.from(theirs.data), Buffer.from(ours.data)), p).toBe(0);
  }
});

for (const { spec, suffix } of MODELS) {
  const oracles = new Map<string, OracleMask>(
    PHOTOS.map((p) => [p, readOracleMask(join(ROOT, 'test/fixtures/mediapipe', `${p}${suffix}.png`))]),
  );
  for (const backend of BACKENDS) {
    describe.skipIf(backend === 'webgpu' && gpuSkip !== undefined)(`${spec.file} on ${backend}`, () => {
      let session: Session;
      beforeAll(async () => {
        session = await Session.create(new Uint8Array(readFileSync(join(ROOT, 'assets', spec.file))), {
          backend,
        });
      }, 240_000);
      afterAll(() => session?.release());

      it('reads the model size from the session', () => {
        expect(session.inputs[0]?.shape).toEqual([1, spec.height, spec.width, 3]);
      });

      for (const photo of PHOTOS) {
        it(`${photo}: matches MediaPipe's mask`, async () => {
          const image = photos.get(photo) as RgbImage;
          const mask = await segmentPerson(session, image);
          expect([mask.width, mask.height]).toEqual([image.width, image.height]);
          const agreement = compareMasks(mask, oracles.get(photo) as OracleMask);
          console.log(formatAgreement(`${spec.file} ${backend} ${photo}`, agreement));
          expectAgreement(agreement, `${spec.file} ${backend} ${photo}`);
        }, 60_000);
      }
    });
  }
}
