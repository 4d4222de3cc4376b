import { AtrousError } from '../../../../errors.js';
import type { RefKernel } from '../../../ops/types.js';

// STUB: replaced by the real kernel.
export const Shape: RefKernel = () => {
  throw new AtrousError('INTERNAL', 'Shape: reference kernel not written yet');
};
