import { AtrousError } from '../../../../errors.js';
import type { RefKernel } from '../../../ops/types.js';

// STUB: replaced by the real kernel.
export const PRelu: RefKernel = () => {
  throw new AtrousError('INTERNAL', 'PRelu: reference kernel not written yet');
};
