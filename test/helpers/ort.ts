import { Session } from '../../src/engine/session.js';
import type { Tensor } from '../../src/engine/tensor.js';
import type { Graph } from '../../src/graph/ir.js';
import { expectClose, type Tolerance } from './compare.js';
import { runOrt } from './ort-run.js';

export { runOrt };

/**
 * Runs `graph` on atrous's ref backend (no graph passes) and in onnxruntime, and asserts every
 * output has the same dtype and dims and agrees within `tol`.
 */
export async function expectMatchesOrt(
  graph: Graph,
  feeds: Record<string, Tensor>,
  tol: Tolerance,
  label = graph.name,
): Promise<void> {
  const session = await Session.create(graph, { backend: 'ref', optimize: false });
  const ours = await session.run(feeds);
  session.release();
  const theirs = await runOrt(graph, feeds);
  for (const { name } of graph.outputs) {
    const expected = theirs[name];
    const actual = ours[name];
    if (!expected || !actual)
      throw new Error(`${label}: output '${name}' missing from atrous or onnxruntime`);
    expectClose(actual, expected, tol, `${label}: output '${name}'`);
  }
}
