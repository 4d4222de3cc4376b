import { AtrousError } from '../../../../errors.js';
import type { RefKernel } from '../../../ops/types.js';

// STUB: replaced by the real kernel.
export const Gather: RefKernel = () => {
  throw new AtrousError('INTERNAL', 'Gather: reference kernel not written yet');
};
