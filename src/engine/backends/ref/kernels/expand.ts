import { AtrousError } from '../../../../errors.js';
import type { RefKernel } from '../../../ops/types.js';

// STUB: replaced by the real kernel.
export const Expand: RefKernel = () => {
  throw new AtrousError('INTERNAL', 'Expand: reference kernel not written yet');
};
