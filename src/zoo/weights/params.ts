import { isFloatDType, type Tensor } from '../../engine/tensor.js';
import type { Graph } from '../../graph/ir.js';
import type { OpType } from '../../graph/op-types.js';

/**
 * Which initializers of a graph are model parameters (what a state_dict holds) and which are
 * constants the builder wrote (Resize scales, Clip bounds, shapes). Decided from how the graph uses
 * them, so builders need no naming convention.
 */

/** Input slots that take constants, not parameters: float tensors there are hyper-parameters. */
const CONSTANT_SLOTS: Partial<Record<OpType, readonly number[]>> = {
  Resize: [1, 2],
  Upsample: [1],
  Clip: [1, 2],
  Pad: [2],
};

export type ParamRole = 'weight' | 'running_mean' | 'running_var' | 'bn_scale' | 'other';

/** Every float initializer that is a parameter, with its role (BatchNorm statistics are buffers). */
export function parameterRoles(graph: Graph): Map<string, ParamRole> {
  const constantUse = new Set<string>();
  const paramUse = new Map<string, ParamRole>();
  for (const node of graph.nodes) {
    const slots = CONSTANT_SLOTS[node.op] ?? [];
    node.inputs.forEach((name, i) => {
      if (!name || !graph.initializers.has(name)) return;
      if (slots.includes(i)) {
        constantUse.add(name);
        return;
      }
      paramUse.set(name, roleOf(node.op, i, paramUse.get(name)));
    });
  }
  const roles = new Map<string, ParamRole>();
  for (const [name, t] of graph.initializers) {
    if (!isParameterTensor(t)) continue;
    // Used only as a constant (e.g. Resize scales), or not at all: not a parameter.
    const role = paramUse.get(name);
    if (role === undefined && constantUse.has(name)) continue;
    roles.set(name, role ?? 'other');
  }
  return roles;
}

function roleOf(op: OpType, slot: number, previous: ParamRole | undefined): ParamRole {
  if (previous && previous !== 'other') return previous;
  if (op === 'BatchNormalization') {
    return slot === 1 ? 'bn_scale' : slot === 3 ? 'running_mean' : slot === 4 ? 'running_var' : 'other';
  }
  if ((op === 'Conv' || op === 'ConvTranspose' || op === 'Gemm' || op === 'MatMul') && slot === 1)
    return 'weight';
  return 'other';
}

/** Float tensors of rank ≥ 1: a rank-0 float is a scalar constant (state_dicts hold none). */
export function isParameterTensor(t: Tensor): boolean {
  return isFloatDType(t.dtype) && t.rank > 0;
}

/**
 * Number of learnable parameters, as PyTorch's `sum(p.numel() for p in model.parameters())`
 * counts them: BatchNorm running statistics are buffers and not counted.
 */
export function countParameters(graph: Graph): number {
  let n = 0;
  for (const [name, role] of parameterRoles(graph)) {
    if (role === 'running_mean' || role === 'running_var') continue;
    n += (graph.initializers.get(name) as Tensor).size;
  }
  return n;
}
