import { AtrousError } from '../../../../errors.js';
import type { RefKernel } from '../../../ops/types.js';

// STUB: replaced by the real kernel.
export const Resize: RefKernel = () => {
  throw new AtrousError('INTERNAL', 'Resize: reference kernel not written yet');
};

export const Upsample: RefKernel = () => {
  throw new AtrousError('INTERNAL', 'Upsample: reference kernel not written yet');
};
