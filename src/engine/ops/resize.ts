import { AtrousError } from '../../errors.js';
import type { OpDef } from './types.js';

// STUB: replaced by the real definition.
export const Resize: OpDef = {
  op: 'Resize',
  stem: 'resize',
  inputs: { min: 0, max: 8 },
  outputs: { min: 1, max: 8 },
  attrs: {},
  inferShape() {
    throw new AtrousError('INTERNAL', 'Resize: shape inference not written yet');
  },
};

export const Upsample: OpDef = {
  op: 'Upsample',
  stem: 'resize',
  inputs: { min: 0, max: 8 },
  outputs: { min: 1, max: 8 },
  attrs: {},
  inferShape() {
    throw new AtrousError('INTERNAL', 'Upsample: shape inference not written yet');
  },
};
