import { AtrousError } from '../../../../errors.js';
import type { RefKernel } from '../../../ops/types.js';

// STUB: replaced by the real kernel.
export const ReduceMean: RefKernel = () => {
  throw new AtrousError('INTERNAL', 'ReduceMean: reference kernel not written yet');
};

export const ReduceMax: RefKernel = () => {
  throw new AtrousError('INTERNAL', 'ReduceMax: reference kernel not written yet');
};
