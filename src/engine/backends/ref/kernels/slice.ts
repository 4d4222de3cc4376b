import { AtrousError } from '../../../../errors.js';
import type { RefKernel } from '../../../ops/types.js';

// STUB: replaced by the real kernel.
export const Slice: RefKernel = () => {
  throw new AtrousError('INTERNAL', 'Slice: reference kernel not written yet');
};
