import { AtrousError } from '../../../../errors.js';
import type { RefKernel } from '../../../ops/types.js';

// STUB: replaced by the real kernel.
export const ArgMax: RefKernel = () => {
  throw new AtrousError('INTERNAL', 'ArgMax: reference kernel not written yet');
};
