import { AtrousError } from '../../errors.js';
import type { OpDef } from './types.js';

// STUB: replaced by the real definition.
export const Identity: OpDef = {
  op: 'Identity',
  stem: 'identity',
  inputs: { min: 0, max: 8 },
  outputs: { min: 1, max: 8 },
  attrs: {},
  inferShape() {
    throw new AtrousError('INTERNAL', 'Identity: shape inference not written yet');
  },
};

export const Dropout: OpDef = {
  op: 'Dropout',
  stem: 'identity',
  inputs: { min: 0, max: 8 },
  outputs: { min: 1, max: 8 },
  attrs: {},
  inferShape() {
    throw new AtrousError('INTERNAL', 'Dropout: shape inference not written yet');
  },
};
