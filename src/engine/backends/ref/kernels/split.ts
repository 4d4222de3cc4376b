import { AtrousError } from '../../../../errors.js';
import type { RefKernel } from '../../../ops/types.js';

// STUB: replaced by the real kernel.
export const Split: RefKernel = () => {
  throw new AtrousError('INTERNAL', 'Split: reference kernel not written yet');
};
