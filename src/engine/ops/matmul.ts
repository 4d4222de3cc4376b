import { AtrousError } from '../../errors.js';
import type { OpDef } from './types.js';

// STUB: replaced by the real definition.
export const MatMul: OpDef = {
  op: 'MatMul',
  stem: 'matmul',
  inputs: { min: 0, max: 8 },
  outputs: { min: 1, max: 8 },
  attrs: {},
  inferShape() {
    throw new AtrousError('INTERNAL', 'MatMul: shape inference not written yet');
  },
};
