import { AtrousError } from '../../errors.js';
import type { OpDef } from './types.js';

// STUB: replaced by the real definition.
export const Add: OpDef = {
  op: 'Add',
  stem: 'binary',
  inputs: { min: 0, max: 8 },
  outputs: { min: 1, max: 8 },
  attrs: {},
  inferShape() {
    throw new AtrousError('INTERNAL', 'Add: shape inference not written yet');
  },
};

export const Sub: OpDef = {
  op: 'Sub',
  stem: 'binary',
  inputs: { min: 0, max: 8 },
  outputs: { min: 1, max: 8 },
  attrs: {},
  inferShape() {
    throw new AtrousError('INTERNAL', 'Sub: shape inference not written yet');
  },
};

export const Mul: OpDef = {
  op: 'Mul',
  stem: 'binary',
  inputs: { min: 0, max: 8 },
  outputs: { min: 1, max: 8 },
  attrs: {},
  inferShape() {
    throw new AtrousError('INTERNAL', 'Mul: shape inference not written yet');
  },
};

export const Div: OpDef = {
  op: 'Div',
  stem: 'binary',
  inputs: { min: 0, max: 8 },
  outputs: { min: 1, max: 8 },
  attrs: {},
  inferShape() {
    throw new AtrousError('INTERNAL', 'Div: shape inference not written yet');
  },
};
