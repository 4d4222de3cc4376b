import { AtrousError } from '../../../../errors.js';
import type { RefKernel } from '../../../ops/types.js';

// STUB: replaced by the real kernel.
export const BatchNormalization: RefKernel = () => {
  throw new AtrousError('INTERNAL', 'BatchNormalization: reference kernel not written yet');
};
