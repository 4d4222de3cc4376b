import { Option } from 'commander';
import { BACKEND_NAMES, type BackendName } from '../engine/backend.js';
import { type DType, Tensor } from '../engine/tensor.js';
import { InputError, ModelFormatError } from '../errors.js';
import { importModel } from '../graph/import/index.js';
import type { Dim, Graph } from '../graph/ir.js';
import { readBytes } from '../io/node.js';

/** Where a command writes; the real CLI passes process streams, tests pass collectors. */
export interface CliIO {
  /** Writes one line to stdout. */
  out(line: string): void;
  /** Writes one line to stderr. */
  err(line: string): void;
  /** The stderr stream for progress bars, present only when stderr is a terminal. */
  progressStream?: NodeJS.WriteStream;
}

/** A bad command line (exit code 2), as opposed to a bad model or file (exit code 1). */
export class UsageError extends Error {}

export function backendOption(): Option {
  return new Option('-b, --backend <name>', 'backend that runs the model')
    .choices(BACKEND_NAMES as string[])
    .default('ref');
}

export type { BackendName };

/** Reads and imports a model file; import errors name the file. */
export async function loadGraph(path: string): Promise<Graph> {
  const bytes = await readBytes(path);
  try {
    return importModel(bytes);
  } catch (e) {
    if (e instanceof ModelFormatError) throw new ModelFormatError(`${path}: ${e.message}`);
    throw e;
  }
}

/** `name=value` or a bare `value` (the name is what comes before the first `=`). */
export function splitSpec(spec: string): { name?: string; value: string } {
  const m = /^([\w.:/-]+)=(.+)$/.exec(spec);
  return m ? { name: m[1] as string, value: m[2] as string } : { value: spec };
}

/**
 * Matches `[name=]value` specs to the model's names: one unnamed spec is fine when the model has
 * exactly one name; otherwise every spec needs a name that the model has.
 */
export function assignSpecs(
  kind: string,
  flag: string,
  specs: readonly string[],
  names: readonly string[],
): Map<string, string> {
  const out = new Map<string, string>();
  const list = names.join(', ');
  for (const spec of specs) {
    const { name, value } = splitSpec(spec);
    let target = name;
    if (target === undefined) {
      if (names.length !== 1 || specs.length !== 1) {
        throw new InputError(
          `the model has ${names.length} ${kind}s (${list}): name each one, as ${flag} name=${value}`,
        );
      }
      target = names[0] as string;
    }
    if (!names.includes(target)) {
      throw new InputError(`'${target}' is not an ${kind} of this model; ${kind}s: ${list}`);
    }
    if (out.has(target)) throw new InputError(`${kind} '${target}' is given twice`);
    out.set(target, value);
  }
  return out;
}

/** "512x512" or "512" → [h, w]. */
export function parseSize(text: string): [number, number] {
  const parts = text.toLowerCase().split('x');
  const nums = parts.map((p) => Number(p));
  if (parts.length > 2 || !nums.every((n) => Number.isInteger(n) && n > 0)) {
    throw new UsageError(`--size '${text}' is not HxW (e.g. 512x512) or a single size`);
  }
  return nums.length === 1 ? [nums[0] as number, nums[0] as number] : (nums as [number, number]);
}

/** "1x3x224x224" → [1, 3, 224, 224] ("" → a scalar). */
export function parseDims(text: string, flag: string): number[] {
  if (text === '' || text === '()') return [];
  const nums = text.split(/[x,]/).map((p) => Number(p));
  if (!nums.every((n) => Number.isInteger(n) && n >= 0)) {
    throw new UsageError(`${flag} '${text}' is not a shape like 1x3x224x224`);
  }
  return nums;
}

/** "0.5,0.5,0.5" → three numbers. */
export function parseTriple(text: string, flag: string): number[] {
  const nums = text.split(',').map((p) => Number(p.trim()));
  if (nums.length !== 3 || !nums.every(Number.isFinite)) {
    throw new UsageError(`${flag} '${text}' must be three comma-separated numbers (r,g,b)`);
  }
  return nums;
}

export function parsePositiveInt(text: string, flag: string, min = 1): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`${flag} '${text}' must be an integer >= ${min}`);
  return n;
}

export function formatShape(shape: readonly Dim[]): string {
  return `[${shape.join(', ')}]`;
}

/** A few significant digits, no trailing noise. */
export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v !== 0 && (Math.abs(v) >= 1e6 || Math.abs(v) < 1e-4)) return v.toExponential(3);
  return String(Number(v.toPrecision(5)));
}

/** min / max / mean over the finite values, and how many were NaN or infinite. */
export function tensorStats(t: Tensor): { min: number; max: number; mean: number; nonFinite: number } {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let sum = 0;
  let count = 0;
  for (let i = 0; i < t.size; i++) {
    const v = t.get(i);
    if (!Number.isFinite(v)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
    count++;
  }
  return count === 0
    ? { min: Number.NaN, max: Number.NaN, mean: Number.NaN, nonFinite: t.size }
    : { min, max, mean: sum / count, nonFinite: t.size - count };
}

/** "name: float32 [1, 21, 8, 8] min -1.2 max 3.4 mean 0.01". */
export function summarize(name: string, t: Tensor): string {
  const head = `${name}: ${t.dtype} ${formatShape(t.dims)}`;
  if (t.size === 0) return `${head} (empty)`;
  const s = tensorStats(t);
  const bad = s.nonFinite ? ` non-finite ${s.nonFinite}` : '';
  return `${head} min ${formatNumber(s.min)} max ${formatNumber(s.max)} mean ${formatNumber(s.mean)}${bad}`;
}

/** Values converted to another dtype (float64 → float32 for NumPy's default dtype, int32 → int64...). */
export function castTensor(t: Tensor, dtype: DType): Tensor {
  return t.dtype === dtype ? t : Tensor.fromNumbers(dtype, t.dims, t.toNumbers());
}
