import { AtrousError } from '../../errors.js';
import type { OpDef } from './types.js';

// STUB: replaced by the real definition.
export const Constant: OpDef = {
  op: 'Constant',
  stem: 'constant',
  inputs: { min: 0, max: 8 },
  outputs: { min: 1, max: 8 },
  attrs: {},
  inferShape() {
    throw new AtrousError('INTERNAL', 'Constant: shape inference not written yet');
  },
};

export const ConstantOfShape: OpDef = {
  op: 'ConstantOfShape',
  stem: 'constant',
  inputs: { min: 0, max: 8 },
  outputs: { min: 1, max: 8 },
  attrs: {},
  inferShape() {
    throw new AtrousError('INTERNAL', 'ConstantOfShape: shape inference not written yet');
  },
};
