import { AtrousError } from '../../../../errors.js';
import type { RefKernel } from '../../../ops/types.js';

// STUB: replaced by the real kernel.
export const Cast: RefKernel = () => {
  throw new AtrousError('INTERNAL', 'Cast: reference kernel not written yet');
};
