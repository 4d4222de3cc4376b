import { AtrousError } from '../../../../errors.js';
import type { RefKernel } from '../../../ops/types.js';

// STUB: replaced by the real kernel.
export const Concat: RefKernel = () => {
  throw new AtrousError('INTERNAL', 'Concat: reference kernel not written yet');
};
