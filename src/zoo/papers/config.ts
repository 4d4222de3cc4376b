import { InputError } from '../../errors.js';
import type { ZooConfig } from '../types.js';

/** A config with every field the paper builders read filled from the model's defaults. */
export interface FullConfig {
  classes: number;
  outputStride: 8 | 16 | 32;
  rates: number[];
  width: number;
  inputSize: [number, number];
  points: number;
  seed: number;
}

/** What a model accepts beyond positive numbers. */
export interface ConfigRules {
  /** Output strides the architecture can be built at (fixed-stride models list one; none: not applicable). */
  strides?: readonly number[];
  /** Input H and W must be multiples of this (default 1). */
  multipleOf?: number;
  /** The width is a base channel count (U-Net), so it must be a positive integer. */
  integerWidth?: boolean;
}

const BASE: FullConfig = {
  classes: 21,
  outputStride: 16,
  rates: [],
  width: 1,
  inputSize: [512, 512],
  points: 2048,
  seed: 1,
};

const isPositiveInt = (v: number) => Number.isInteger(v) && v >= 1;

/** Fills `config` from the model's defaults and rejects values the builder cannot honour. */
export function resolve(
  name: string,
  defaults: ZooConfig,
  config: ZooConfig,
  rules: ConfigRules,
): FullConfig {
  const c: FullConfig = { ...BASE };
  for (const src of [defaults, config]) {
    for (const [k, v] of Object.entries(src)) {
      // An empty rates list means "the model's default rates".
      if (v === undefined || (Array.isArray(v) && v.length === 0)) continue;
      (c as unknown as Record<string, unknown>)[k] = v;
    }
  }
  const bad = (msg: string) => new InputError(`${name}: ${msg}`);
  if (!isPositiveInt(c.classes)) throw bad(`classes must be a positive integer, got ${c.classes}`);
  if (!rules.strides) {
    if (config.outputStride !== undefined) throw bad('has no output stride (it is not an image model)');
  } else if (!rules.strides.includes(c.outputStride)) {
    throw bad(`outputStride must be ${rules.strides.join(' or ')}, got ${c.outputStride}`);
  }
  if (!(Number.isFinite(c.width) && c.width > 0) || (rules.integerWidth && !Number.isInteger(c.width))) {
    throw bad(
      `width must be a positive ${rules.integerWidth ? 'integer (base channels)' : 'number'}, got ${c.width}`,
    );
  }
  const m = rules.multipleOf ?? 1;
  if (c.inputSize.length !== 2 || c.inputSize.some((d) => !isPositiveInt(d) || d % m !== 0)) {
    throw bad(
      `inputSize must be [H, W] of positive integers${m > 1 ? ` divisible by ${m}` : ''}, got [${c.inputSize.join(', ')}]`,
    );
  }
  if (!isPositiveInt(c.points)) throw bad(`points must be a positive integer, got ${c.points}`);
  if (c.rates.some((r) => !isPositiveInt(r)))
    throw bad(`rates must be positive integers, got [${c.rates.join(', ')}]`);
  return c;
}
