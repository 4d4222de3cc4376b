import { AtrousError } from '../../../../errors.js';
import type { RefKernel } from '../../../ops/types.js';

// STUB: replaced by the real kernel.
export const Pad: RefKernel = () => {
  throw new AtrousError('INTERNAL', 'Pad: reference kernel not written yet');
};
