import { AtrousError } from '../../../../errors.js';
import type { RefKernel } from '../../../ops/types.js';

// STUB: replaced by the real kernel.
export const Conv: RefKernel = () => {
  throw new AtrousError('INTERNAL', 'Conv: reference kernel not written yet');
};
