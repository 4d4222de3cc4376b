import { AtrousError } from '../../errors.js';
import type { OpDef } from './types.js';

// STUB: replaced by the real definition.
export const Reshape: OpDef = {
  op: 'Reshape',
  stem: 'reshape',
  inputs: { min: 0, max: 8 },
  outputs: { min: 1, max: 8 },
  attrs: {},
  inferShape() {
    throw new AtrousError('INTERNAL', 'Reshape: shape inference not written yet');
  },
};

export const Flatten: OpDef = {
  op: 'Flatten',
  stem: 'reshape',
  inputs: { min: 0, max: 8 },
  outputs: { min: 1, max: 8 },
  attrs: {},
  inferShape() {
    throw new AtrousError('INTERNAL', 'Flatten: shape inference not written yet');
  },
};

export const Squeeze: OpDef = {
  op: 'Squeeze',
  stem: 'reshape',
  inputs: { min: 0, max: 8 },
  outputs: { min: 1, max: 8 },
  attrs: {},
  inferShape() {
    throw new AtrousError('INTERNAL', 'Squeeze: shape inference not written yet');
  },
};

export const Unsqueeze: OpDef = {
  op: 'Unsqueeze',
  stem: 'reshape',
  inputs: { min: 0, max: 8 },
  outputs: { min: 1, max: 8 },
  attrs: {},
  inferShape() {
    throw new AtrousError('INTERNAL', 'Unsqueeze: shape inference not written yet');
  },
};
