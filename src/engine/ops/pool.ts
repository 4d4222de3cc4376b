import { AtrousError } from '../../errors.js';
import type { OpDef } from './types.js';

// STUB: replaced by the real definition.
export const GlobalAveragePool: OpDef = {
  op: 'GlobalAveragePool',
  stem: 'pool',
  inputs: { min: 0, max: 8 },
  outputs: { min: 1, max: 8 },
  attrs: {},
  inferShape() {
    throw new AtrousError('INTERNAL', 'GlobalAveragePool: shape inference not written yet');
  },
};

export const AveragePool: OpDef = {
  op: 'AveragePool',
  stem: 'pool',
  inputs: { min: 0, max: 8 },
  outputs: { min: 1, max: 8 },
  attrs: {},
  inferShape() {
    throw new AtrousError('INTERNAL', 'AveragePool: shape inference not written yet');
  },
};

export const MaxPool: OpDef = {
  op: 'MaxPool',
  stem: 'pool',
  inputs: { min: 0, max: 8 },
  outputs: { min: 1, max: 8 },
  attrs: {},
  inferShape() {
    throw new AtrousError('INTERNAL', 'MaxPool: shape inference not written yet');
  },
};
