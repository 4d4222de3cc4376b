import { ShapeError } from '../../errors.js';
import type { Node } from '../../graph/ir.js';
import type { OpType } from '../../graph/op-types.js';
import { broadcastShape } from './broadcast.js';
import { checkNumeric, elementsOf, req } from './shape-utils.js';
import type { OpDef, OutputInfo, ValueInfo } from './types.js';

/** Both inputs share one numeric dtype; the output has the broadcast shape of the two. */
function inferBinary(node: Node, inputs: (ValueInfo | undefined)[]): OutputInfo[] {
  const a = req(node, inputs, 0);
  const b = req(node, inputs, 1);
  checkNumeric(node, a, 'input A');
  if (a.dtype !== b.dtype) {
    throw new ShapeError(node.name, node.op, `inputs have different dtypes: ${a.dtype} vs ${b.dtype}`);
  }
  return [{ dtype: a.dtype, shape: broadcastShape(node, a.shape, b.shape) }];
}

function binary(op: OpType & ('Add' | 'Sub' | 'Mul' | 'Div')): OpDef {
  return {
    op,
    stem: 'binary',
    inputs: { min: 2, max: 2 },
    outputs: { min: 1, max: 1 },
    attrs: {},
    inferShape: inferBinary,
    flops: (_node, _inputs, outputs) => elementsOf(outputs[0]),
  };
}

export const Add = binary('Add');
export const Sub = binary('Sub');
export const Mul = binary('Mul');
export const Div = binary('Div');
