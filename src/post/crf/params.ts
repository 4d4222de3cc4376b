import { InputError } from '../../errors.js';

/** Mean-field settings: two Gaussian kernels (smoothness on x,y; appearance on x,y,r,g,b), Potts. */
export interface CrfParams {
  iterations: number;
  /** Weight of the smoothness kernel (positions only). */
  posW: number;
  /** Its spatial std in pixels. */
  posXyStd: number;
  /** Weight of the appearance (bilateral) kernel. */
  biW: number;
  /** Its spatial std in pixels. */
  biXyStd: number;
  /** Its colour std on 0-255 values. */
  biRgbStd: number;
}

export type CrfPresetName = 'deeplab-v2' | 'deeplab-v1' | 'densecrf';

/** The settings published with DeepLab v2, DeepLab v1 and Krähenbühl's densecrf examples. */
export const CRF_PRESETS: Readonly<Record<CrfPresetName, Readonly<CrfParams>>> = {
  'deeplab-v2': { iterations: 10, biW: 4, biXyStd: 67, biRgbStd: 3, posW: 3, posXyStd: 1 },
  'deeplab-v1': { iterations: 10, biW: 4, biXyStd: 121, biRgbStd: 5, posW: 3, posXyStd: 3 },
  densecrf: { iterations: 5, biW: 10, biXyStd: 80, biRgbStd: 13, posW: 3, posXyStd: 3 },
};

export const CRF_PRESET_NAMES = Object.keys(CRF_PRESETS) as CrfPresetName[];

/** A preset by name; unknown names list the known ones. */
export function crfPreset(name: string): CrfParams {
  const p = (CRF_PRESETS as Record<string, CrfParams | undefined>)[name];
  if (!p) throw new InputError(`unknown CRF preset '${name}'; presets: ${CRF_PRESET_NAMES.join(', ')}`);
  return { ...p };
}

/** A preset (default deeplab-v2) with some fields overridden; every value is checked. */
export function resolveCrfParams(params?: Partial<CrfParams> | CrfPresetName): CrfParams {
  const p =
    typeof params === 'string' ? crfPreset(params) : { ...CRF_PRESETS['deeplab-v2'], ...(params ?? {}) };
  if (!Number.isInteger(p.iterations) || p.iterations < 0) {
    throw new InputError(`CRF iterations must be a non-negative integer, got ${p.iterations}`);
  }
  for (const k of ['posW', 'biW'] as const) {
    if (!Number.isFinite(p[k]) || p[k] < 0) throw new InputError(`CRF ${k} must be >= 0, got ${p[k]}`);
  }
  for (const k of ['posXyStd', 'biXyStd', 'biRgbStd'] as const) {
    if (!Number.isFinite(p[k]) || p[k] <= 0) throw new InputError(`CRF ${k} must be > 0, got ${p[k]}`);
  }
  return p;
}
