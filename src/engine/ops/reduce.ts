import { AtrousError } from '../../errors.js';
import type { OpDef } from './types.js';

// STUB: replaced by the real definition.
export const ReduceMean: OpDef = {
  op: 'ReduceMean',
  stem: 'reduce',
  inputs: { min: 0, max: 8 },
  outputs: { min: 1, max: 8 },
  attrs: {},
  inferShape() {
    throw new AtrousError('INTERNAL', 'ReduceMean: shape inference not written yet');
  },
};

export const ReduceMax: OpDef = {
  op: 'ReduceMax',
  stem: 'reduce',
  inputs: { min: 0, max: 8 },
  outputs: { min: 1, max: 8 },
  attrs: {},
  inferShape() {
    throw new AtrousError('INTERNAL', 'ReduceMax: shape inference not written yet');
  },
};
