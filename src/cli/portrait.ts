import { encode as encodePng } from 'fast-png';
import { pickBackend } from '../engine/auto-backend.js';
import { Session } from '../engine/session.js';
import { FileError } from '../errors.js';
import { encodeRgbPng } from '../io/mask.js';
import { readBytes, readImage, writeBytes } from '../io/node.js';
import { blurBackground, personOverlay } from '../post/portrait.js';
import { type PersonMask, SELFIE_MODELS, segmentPerson } from '../zoo/selfie.js';
import { assetPath, DEFAULT_IMAGE } from './assets.js';
import { type BackendName, type CliIO, UsageError } from './common.js';
import { progress } from './progress.js';

/** `atrous segment [image]`: the bundled MediaPipe selfie model, the person mask and a portrait blur. */
export interface PortraitOptions {
  out?: string;
  overlay?: string;
  blur?: string;
  blurRadius?: string;
  landscape?: boolean;
  threshold?: string;
  backend: BackendName | 'auto';
  optimize: boolean;
}

export async function portraitCommand(
  imageArg: string | undefined,
  opts: PortraitOptions,
  io: CliIO,
): Promise<void> {
  const imagePath = imageArg ?? assetPath(DEFAULT_IMAGE);
  const outPath = opts.out ?? 'mask.png';
  const blurPath = opts.blur ?? 'blur.png';
  const overlayPath = opts.overlay ?? (imageArg === undefined ? 'overlay.png' : undefined);
  const threshold = Number(opts.threshold ?? '0.5');
  if (!(threshold >= 0 && threshold <= 1)) {
    throw new UsageError(`--threshold '${opts.threshold}' must be in [0, 1] for the person confidence`);
  }
  const radius = opts.blurRadius === undefined ? undefined : Number(opts.blurRadius);
  if (radius !== undefined && !(Number.isInteger(radius) && radius >= 1)) {
    throw new UsageError(`--blur-radius '${opts.blurRadius}' must be an integer >= 1 (pixels)`);
  }
  const spec = opts.landscape ? SELFIE_MODELS.landscape : SELFIE_MODELS.general;
  const modelPath = assetPath(spec.file);

  const bar = progress(io, 'segment', 4);
  try {
    bar.update(0, 'choosing a backend');
    const choice =
      opts.backend === 'auto' ? await pickBackend() : { backend: opts.backend, reason: 'asked for' };
    bar.update(1, 'loading the selfie model');
    const bytes = await readBytes(modelPath).catch((e: unknown) => {
      if (e instanceof FileError) {
        throw new FileError(modelPath, 'the bundled selfie model is missing from this installation');
      }
      throw e;
    });
    const session = await Session.create(bytes, { backend: choice.backend, optimize: opts.optimize });
    try {
      const image = await readImage(imagePath);
      bar.update(2, `running ${choice.backend}`);
      const t0 = performance.now();
      const mask = await segmentPerson(session, image);
      const ms = performance.now() - t0;
      bar.update(3, 'writing');
      const blurRadius = radius ?? Math.max(2, Math.round(Math.max(image.width, image.height) / 48));
      await writeBytes(outPath, confidencePng(mask));
      await writeBytes(blurPath, encodeRgbPng(blurBackground(image, mask, { radius: blurRadius })));
      if (overlayPath) await writeBytes(overlayPath, encodeRgbPng(personOverlay(image, mask)));
      bar.update(4, 'done');
      bar.stop();
      const share = foregroundShare(mask, threshold);
      io.out(
        `${outPath}: ${mask.width}x${mask.height} person mask (confidence 0-255), person on ${(100 * share).toFixed(1)}% of the pixels (confidence > ${threshold})`,
      );
      io.out(`${blurPath}: background blurred (radius ${blurRadius} px)`);
      if (overlayPath) io.out(`${overlayPath}: person overlay`);
      io.out(`model ${spec.file} on ${choice.backend} (${choice.reason}), ${ms.toFixed(0)} ms`);
    } finally {
      session.release();
    }
  } finally {
    bar.stop();
  }
}

/** 8-bit grayscale PNG of the confidence (soft edges kept, ready to use as an alpha matte). */
function confidencePng(mask: PersonMask): Uint8Array {
  const data = new Uint8Array(mask.confidence.length);
  for (let i = 0; i < data.length; i++)
    data[i] = Math.min(255, Math.max(0, Math.round(255 * (mask.confidence[i] as number))));
  return encodePng({ width: mask.width, height: mask.height, data, channels: 1, depth: 8 });
}

function foregroundShare(mask: PersonMask, threshold: number): number {
  let n = 0;
  for (const c of mask.confidence) if (c > threshold) n++;
  return n / (mask.confidence.length || 1);
}
