import { AtrousError } from '../../../../errors.js';
import type { RefKernel } from '../../../ops/types.js';

// STUB: replaced by the real kernel.
export const Softmax: RefKernel = () => {
  throw new AtrousError('INTERNAL', 'Softmax: reference kernel not written yet');
};
