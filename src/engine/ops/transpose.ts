import { ShapeError } from '../../errors.js';
import type { Node } from '../../graph/ir.js';
import { req } from './shape-utils.js';
import type { OpDef, OutputInfo } from './types.js';

/** The permutation: the attribute, or the reversed axes when absent; must be a permutation of the rank. */
export function permOf(node: Node, rank: number): number[] {
  const perm =
    (node.attrs.perm as number[] | undefined) ?? Array.from({ length: rank }, (_, i) => rank - 1 - i);
  const sorted = [...perm].sort((a, b) => a - b);
  if (perm.length !== rank || sorted.some((p, i) => p !== i)) {
    throw new ShapeError(node.name, node.op, `perm [${perm.join(',')}] is not a permutation of ${rank} axes`);
  }
  return perm;
}

export const Transpose: OpDef = {
  op: 'Transpose',
  stem: 'transpose',
  inputs: { min: 1, max: 1 },
  outputs: { min: 1, max: 1 },
  attrs: { perm: { type: 'ints', optional: true } },
  inferShape(node, inputs): OutputInfo[] {
    const x = req(node, inputs, 0);
    return [
      { dtype: x.dtype, shape: permOf(node, x.shape.length).map((p) => x.shape[p] as number | string) },
    ];
  },
};
