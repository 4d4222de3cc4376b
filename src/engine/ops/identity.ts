import { UnsupportedAttributeError } from '../../errors.js';
import type { Node } from '../../graph/ir.js';
import { req } from './shape-utils.js';
import type { OpDef, OutputInfo, ValueInfo } from './types.js';

export const Identity: OpDef = {
  op: 'Identity',
  stem: 'identity',
  inputs: { min: 1, max: 1 },
  outputs: { min: 1, max: 1 },
  attrs: {},
  inferShape(node, inputs): OutputInfo[] {
    const x = req(node, inputs, 0);
    return [{ dtype: x.dtype, shape: [...x.shape] }];
  },
};

/** Dropout in training mode is random; atrous runs inference only, so that is an error. */
export function checkInference(node: Node, trainingMode: ValueInfo | undefined): void {
  const v = trainingMode?.value;
  if (v && v.size > 0 && v.get(0) !== 0) {
    throw new UnsupportedAttributeError(
      node.name,
      node.op,
      'training_mode',
      '(input 2) is true: atrous runs inference only; export the model in eval mode',
    );
  }
}

/** Dropout at inference: the input unchanged and, if asked for, an all-true bool mask. */
export const Dropout: OpDef = {
  op: 'Dropout',
  stem: 'identity',
  inputs: { min: 1, max: 3 },
  outputs: { min: 1, max: 2 },
  attrs: { ratio: { type: 'float', default: 0.5 }, seed: { type: 'int', optional: true } },
  inferShape(node, inputs): OutputInfo[] {
    const x = req(node, inputs, 0);
    checkInference(node, inputs[2]);
    const out: OutputInfo[] = [{ dtype: x.dtype, shape: [...x.shape] }];
    if (node.outputs.length > 1) out.push({ dtype: 'bool', shape: [...x.shape] });
    return out;
  },
};
