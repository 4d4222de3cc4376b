import { readFileSync } from 'node:fs';
import { decode } from 'fast-png';
import { expect } from 'vitest';
import type { PersonMask } from '../../src/zoo/selfie.js';

/** MediaPipe's mask for one photo: 8-bit confidence (0-255), row-major, image resolution. */
export interface OracleMask {
  width: number;
  height: number;
  data: Uint8Array;
}

export function readOracleMask(path: string): OracleMask {
  const png = decode(readFileSync(path));
  if (png.channels !== 1 || png.depth !== 8) throw new Error(`${path}: expected an 8-bit grayscale PNG`);
  return { width: png.width, height: png.height, data: Uint8Array.from(png.data) };
}

/** How atrous's confidence map compares with MediaPipe's. */
export interface MaskAgreement {
  /** IoU of the two masks at confidence >= 0.5 (1 when both are empty). */
  iou: number;
  /** Mean and 99th percentile of |atrous - mediapipe| over all pixels, confidence units [0, 1]. */
  meanAbs: number;
  p99Abs: number;
  maxAbs: number;
  /** Fraction of pixels at >= 0.5: MediaPipe's and atrous's. */
  oracleForeground: number;
  foreground: number;
}

export function compareMasks(mask: PersonMask, oracle: OracleMask): MaskAgreement {
  if (mask.width !== oracle.width || mask.height !== oracle.height) {
    throw new Error(`mask is ${mask.width}x${mask.height}, the oracle's ${oracle.width}x${oracle.height}`);
  }
  const n = oracle.data.length;
  // |Δ| in 1/2550 steps: a histogram gives the percentile without sorting n floats.
  const bins = new Uint32Array(2551);
  let inter = 0;
  let union = 0;
  let fgA = 0;
  let fgO = 0;
  let sum = 0;
  let max = 0;
  for (let i = 0; i < n; i++) {
    const a = mask.confidence[i] as number;
    const o = (oracle.data[i] as number) / 255;
    const d = Math.abs(a - o);
    sum += d;
    max = Math.max(max, Number.isNaN(d) ? Number.POSITIVE_INFINITY : d);
    bins[Math.min(2550, Math.round(d * 2550))]++;
    const pa = a >= 0.5;
    const po = (oracle.data[i] as number) >= 128;
    if (pa && po) inter++;
    if (pa || po) union++;
    if (pa) fgA++;
    if (po) fgO++;
  }
  let seen = 0;
  let p99 = 0;
  for (let b = 0; b < bins.length; b++) {
    seen += bins[b] as number;
    if (seen >= 0.99 * n) {
      p99 = b / 2550;
      break;
    }
  }
  return {
    iou: union === 0 ? 1 : inter / union,
    meanAbs: sum / n,
    p99Abs: p99,
    maxAbs: max,
    oracleForeground: fgO / n,
    foreground: fgA / n,
  };
}

export function formatAgreement(label: string, m: MaskAgreement): string {
  return (
    `${label}: IoU ${m.iou.toFixed(4)}, mean |Δ| ${m.meanAbs.toFixed(4)}, p99 |Δ| ${m.p99Abs.toFixed(4)}, ` +
    `max |Δ| ${m.maxAbs.toFixed(3)}, foreground ${(100 * m.foreground).toFixed(2)}% ` +
    `(MediaPipe ${(100 * m.oracleForeground).toFixed(2)}%)`
  );
}

/**
 * How close atrous must be to MediaPipe (measured on the bundled photos, see
 * test/fixtures/mediapipe/README.md: IoU >= 0.9990, mean |Δ| <= 0.0011, p99 <= 0.0165, max <= 0.112
 * over both models and all backends). MediaPipe's own GPU and CPU inference differ by up to 0.063
 * (max) on these photos; getting the resampling wrong shows in p99 (nearest-neighbour upsampling
 * 0.086-0.098, align_corners 0.026-0.047, BGR input 0.45-1).
 */
export const MASK_TOLERANCE = { iou: 0.995, meanAbs: 0.003, p99Abs: 0.025, maxAbs: 0.2 } as const;

/** Below this foreground fraction in MediaPipe's mask, IoU is too noisy to mean anything. */
export const NEAR_EMPTY = 0.01;

/**
 * Asserts the agreement: IoU when MediaPipe's mask is non-trivial (>= 1% foreground); for a
 * near-empty mask the foreground fractions must agree within 0.2 percentage points instead.
 * The confidence maps must agree everywhere (mean, p99 and max of |Δ|) either way.
 */
export function expectAgreement(m: MaskAgreement, label: string, tol = MASK_TOLERANCE): void {
  if (m.oracleForeground >= NEAR_EMPTY) {
    expect(m.iou, `${label}: IoU`).toBeGreaterThanOrEqual(tol.iou);
  } else {
    expect(Math.abs(m.foreground - m.oracleForeground), `${label}: foreground fraction`).toBeLessThanOrEqual(
      0.002,
    );
  }
  expect(m.meanAbs, `${label}: mean |Δ|`).toBeLessThanOrEqual(tol.meanAbs);
  expect(m.p99Abs, `${label}: p99 |Δ|`).toBeLessThanOrEqual(tol.p99Abs);
  expect(m.maxAbs, `${label}: max |Δ|`).toBeLessThanOrEqual(tol.maxAbs);
}
