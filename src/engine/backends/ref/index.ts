import { AtrousError, ShapeError } from '../../../errors.js';
import type { Graph } from '../../../graph/ir.js';
import { liveness } from '../../../graph/plan.js';
import type { Backend, PreparedModel } from '../../backend.js';
import { nowMs, type PrepareOptions, type RunProfile } from '../../profile.js';
import type { Tensor } from '../../tensor.js';
import { REF_KERNELS } from './kernels/index.js';

/**
 * The reference backend: runs nodes one by one with plain-TypeScript kernels. Values are dropped
 * after their last reader (liveness), so peak memory follows the graph, not its size.
 */
export const refBackend: Backend = {
  name: 'ref',
  async prepare(graph: Graph, _infos, options: PrepareOptions = {}): Promise<PreparedModel> {
    const { order, freeAfter } = liveness(graph);
    const profile = !!options.profile;
    let last: RunProfile | undefined;
    return {
      lastProfile: () => last,
      async run(feeds, outputs) {
        const times = profile ? new Float64Array(order.length) : undefined;
        const values = new Map<string, Tensor>(graph.initializers);
        for (const [name, t] of feeds) values.set(name, t);
        order.forEach((node, i) => {
          const inputs = node.inputs.map((name) => (name ? values.get(name) : undefined));
          let results: Tensor[];
          const t0 = times ? nowMs() : 0;
          try {
            results = REF_KERNELS[node.op](node, inputs);
            if (times) times[i] = nowMs() - t0;
          } catch (e) {
            if (e instanceof AtrousError) throw e;
            throw new ShapeError(node.name, node.op, `reference kernel failed: ${(e as Error).message}`);
          }
          node.outputs.forEach((name, k) => {
            const r = results[k];
            if (name && r) values.set(name, r);
          });
          for (const name of freeAfter[i] ?? []) values.delete(name);
        });
        if (times) {
          last = {
            method: 'cpu',
            nodes: order.map((n, i) => ({ node: n.name, op: n.op, ms: times[i] ?? 0 })),
          };
        }
        const result = new Map<string, Tensor>();
        for (const name of outputs) {
          const t = values.get(name);
          if (!t) throw new AtrousError('INTERNAL', `output '${name}' was not computed`);
          result.set(name, t);
        }
        return result;
      },
      release() {},
    };
  },
};
