import { AtrousError } from '../../../../errors.js';
import type { RefKernel } from '../../../ops/types.js';

// STUB: replaced by the real kernel.
export const Transpose: RefKernel = () => {
  throw new AtrousError('INTERNAL', 'Transpose: reference kernel not written yet');
};
