import { AtrousError } from '../../../../errors.js';
import type { RefKernel } from '../../../ops/types.js';

// STUB: replaced by the real kernel.
export const ConvTranspose: RefKernel = () => {
  throw new AtrousError('INTERNAL', 'ConvTranspose: reference kernel not written yet');
};
