import { isFloatDType, Tensor } from '../../engine/tensor.js';
import { AtrousError } from '../../errors.js';
import { cloneGraph, type Graph } from '../../graph/ir.js';
import { Rng } from '../../util/random.js';
import { parameterRoles } from './params.js';

export interface WeightsMismatch {
  name: string;
  kind: 'missing' | 'unexpected' | 'shape' | 'dtype';
  /** What the graph has (shape as "[a, b]" plus dtype), absent for unexpected tensors. */
  expected?: string;
  /** What the weights have, absent for missing tensors. */
  got?: string;
}

/** The weights do not fit the model: every missing, unexpected and mis-shaped tensor, in one error. */
export class WeightsMismatchError extends AtrousError {
  readonly mismatches: readonly WeightsMismatch[];
  /** `source` names where the weights came from (a file path), for the message. */
  constructor(model: string, mismatches: readonly WeightsMismatch[], source?: string) {
    const lines = mismatches.map((m) => {
      if (m.kind === 'missing') return `  missing: ${m.name} (expected ${m.expected})`;
      if (m.kind === 'unexpected') return `  unexpected: ${m.name} (${m.got}), not a parameter of the model`;
      return `  ${m.kind}: ${m.name}: expected ${m.expected}, got ${m.got}`;
    });
    const n = mismatches.length;
    super(
      'WEIGHTS_MISMATCH',
      `weights${source ? ` in ${source}` : ''} do not match model '${model}' (${n} problem${n === 1 ? '' : 's'}):\n${lines.join('\n')}`,
    );
    this.mismatches = mismatches;
  }
}

export interface LoadWeightsOptions {
  /** Keep the graph's values for parameters the weights lack (default: an error). */
  allowMissing?: boolean;
  /** Ignore tensors the graph has no parameter for (default: an error). */
  allowUnexpected?: boolean;
  /** Where the weights came from (a file path), named in the error. */
  source?: string;
}

const describe = (t: Tensor) => `${t.dtype} [${t.dims.join(', ')}]`;

/** PyTorch buffers that are not parameters: BatchNorm's step counter and other int64 scalars. */
function isIgnorable(name: string, t: Tensor): boolean {
  return name.endsWith('num_batches_tracked') || (t.dtype === 'int64' && t.size <= 1);
}

/**
 * A new graph whose initializers are replaced by the tensors of `weights` with the same names
 * (a state_dict read from .safetensors). Float dtypes convert to the graph's; shapes must match.
 */
export function loadWeights(
  graph: Graph,
  weights: ReadonlyMap<string, Tensor>,
  options: LoadWeightsOptions = {},
): Graph {
  const params = parameterRoles(graph);
  const out = cloneGraph(graph);
  const problems: WeightsMismatch[] = [];
  for (const [name, t] of weights) {
    const target = graph.initializers.get(name);
    if (!target) {
      if (!isIgnorable(name, t) && !options.allowUnexpected) {
        problems.push({ name, kind: 'unexpected', got: describe(t) });
      }
      continue;
    }
    const sameShape = t.dims.length === target.dims.length && t.dims.every((d, i) => d === target.dims[i]);
    if (!sameShape) {
      problems.push({ name, kind: 'shape', expected: describe(target), got: describe(t) });
      continue;
    }
    if (t.dtype === target.dtype) out.initializers.set(name, t);
    else if (isFloatDType(t.dtype) && isFloatDType(target.dtype)) {
      out.initializers.set(name, Tensor.fromNumbers(target.dtype, t.dims, t.data as Float32Array));
    } else problems.push({ name, kind: 'dtype', expected: describe(target), got: describe(t) });
  }
  if (!options.allowMissing) {
    for (const name of params.keys()) {
      if (!weights.has(name)) {
        problems.push({ name, kind: 'missing', expected: describe(graph.initializers.get(name) as Tensor) });
      }
    }
  }
  if (problems.length > 0) throw new WeightsMismatchError(graph.name, sortProblems(problems), options.source);
  return out;
}

const ORDER: Record<WeightsMismatch['kind'], number> = { missing: 0, shape: 1, dtype: 2, unexpected: 3 };

function sortProblems(problems: WeightsMismatch[]): WeightsMismatch[] {
  return problems.sort((a, b) => ORDER[a.kind] - ORDER[b.kind]);
}

/** FNV-1a of the name: each parameter gets its own stream, independent of the others' order. */
function hashName(name: string, seed: number): number {
  let h = 0x811c9dc5 ^ (seed >>> 0);
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * A new graph with every float parameter re-drawn from a seeded generator, scaled like PyTorch's
 * default init so activations stay in range: weights ±1/√fan_in, BatchNorm scale and running_var
 * in [0.5, 1.5] (a variance must be positive), biases and running_mean in ±0.1.
 */
export function randomWeights(graph: Graph, seed: number): Graph {
  const out = cloneGraph(graph);
  for (const [name, role] of parameterRoles(graph)) {
    const t = graph.initializers.get(name) as Tensor;
    const rng = new Rng(hashName(name, seed));
    let lo = -0.1;
    let hi = 0.1;
    if (role === 'running_var' || role === 'bn_scale' || name.endsWith('running_var')) {
      lo = 0.5;
      hi = 1.5;
    } else if (t.rank >= 2) {
      const fanIn = t.dims.slice(1).reduce((a, b) => a * b, 1);
      hi = 1 / Math.sqrt(Math.max(1, fanIn));
      lo = -hi;
    }
    const values = rng.floats(t.size, lo, hi);
    out.initializers.set(
      name,
      t.dtype === 'float32'
        ? new Tensor('float32', t.dims, values)
        : Tensor.fromNumbers(t.dtype, t.dims, values),
    );
  }
  return out;
}
