import { AtrousError } from '../../../../errors.js';
import type { RefKernel } from '../../../ops/types.js';

// STUB: replaced by the real kernel.
export const Identity: RefKernel = () => {
  throw new AtrousError('INTERNAL', 'Identity: reference kernel not written yet');
};

export const Dropout: RefKernel = () => {
  throw new AtrousError('INTERNAL', 'Dropout: reference kernel not written yet');
};
