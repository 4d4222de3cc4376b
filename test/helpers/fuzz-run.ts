import type { BackendName } from '../../src/engine/backend.js';
import { outputError } from '../../src/engine/output-error.js';
import { Session } from '../../src/engine/session.js';
import { Tensor } from '../../src/engine/tensor.js';
import { AtrousError } from '../../src/errors.js';
import type { Graph } from '../../src/graph/ir.js';
import type { Rng } from '../../src/util/random.js';
import { runOrt } from './ort-run.js';

/**
 * One differential-fuzz case on one backend, against onnxruntime-web (wasm):
 * - ok: both ran and agree (dims, and values within 1e-4 of the output's scale);
 * - ort-only-failed: atrous ran where onnxruntime refused (a spec corner onnxruntime leaves out);
 * - both-refused: an AtrousError where onnxruntime refused too;
 * - refused: an AtrousError where onnxruntime ran (an op or attribute atrous does not implement);
 * - mismatch: both ran and disagree;
 * - crash: anything thrown that is not an AtrousError.
 * The last three are what the fuzz looks for; `detail` says what happened.
 */
export type FuzzVerdict = 'ok' | 'ort-only-failed' | 'both-refused' | 'refused' | 'mismatch' | 'crash';

/** The verdicts the fuzz looks for: a failure wherever one comes out. */
export function isFailing(verdict: FuzzVerdict): boolean {
  return verdict === 'refused' || verdict === 'mismatch' || verdict === 'crash';
}

export interface FuzzOutcome {
  backend: BackendName;
  verdict: FuzzVerdict;
  detail?: string;
}

/** Seeded random float32 feeds in [-2, 2] for every graph input. */
export function fuzzFeeds(graph: Graph, r: Rng): Record<string, Tensor> {
  const feeds: Record<string, Tensor> = {};
  for (const t of graph.inputs) {
    const dims = t.shape as number[];
    feeds[t.name] = new Tensor(
      'float32',
      dims,
      r.floats(
        dims.reduce((a, d) => a * d, 1),
        -2,
        2,
      ),
    );
  }
  return feeds;
}

const TOLERANCE = 1e-4;

/** The size an output's error is measured against: its largest finite magnitude, at least 1. */
export function outputScale(values: ArrayLike<number>): number {
  let scale = 1;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (Number.isFinite(v)) scale = Math.max(scale, Math.abs(v));
  }
  return scale;
}

function compare(got: Record<string, Tensor>, want: Record<string, Tensor>): string | undefined {
  for (const [name, w] of Object.entries(want)) {
    const g = got[name];
    if (!g) return `no output '${name}'`;
    if (g.dims.join() !== w.dims.join()) return `'${name}' has dims [${g.dims}], onnxruntime [${w.dims}]`;
    const numbers = (t: Tensor) => Float64Array.from(t.data as ArrayLike<number | bigint>, Number);
    const { maxAbs } = outputError(numbers(g), numbers(w));
    const scale = outputScale(numbers(w));
    if (maxAbs > TOLERANCE * scale) return `'${name}' differs by ${maxAbs} (scale ${scale})`;
  }
  return undefined;
}

/** Runs `graph` in onnxruntime and on each backend (graph passes on, as users run it; `profile`: timed runs). */
export async function runFuzzCase(
  graph: Graph,
  feeds: Record<string, Tensor>,
  backends: readonly BackendName[],
  options: { profile?: boolean } = {},
): Promise<FuzzOutcome[]> {
  let want: Record<string, Tensor> | undefined;
  let ortError = '';
  try {
    want = await runOrt(graph, feeds, { quiet: true });
  } catch (e) {
    ortError = (e as Error).message.slice(0, 200);
  }
  const outcomes: FuzzOutcome[] = [];
  for (const backend of backends) {
    let session: Session | undefined;
    try {
      session = await Session.create(graph, { backend, ...options });
      const got = await session.run(feeds);
      if (!want) outcomes.push({ backend, verdict: 'ort-only-failed', detail: ortError });
      else {
        const detail = compare(got, want);
        outcomes.push(detail ? { backend, verdict: 'mismatch', detail } : { backend, verdict: 'ok' });
      }
    } catch (e) {
      const detail = (e as Error).stack?.split('\n').slice(0, 4).join(' | ') ?? String(e);
      if (!(e instanceof AtrousError)) outcomes.push({ backend, verdict: 'crash', detail });
      else outcomes.push({ backend, verdict: want ? 'refused' : 'both-refused', detail: e.message });
    } finally {
      session?.release();
    }
  }
  return outcomes;
}
