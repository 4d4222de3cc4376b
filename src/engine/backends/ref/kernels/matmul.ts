import { AtrousError } from '../../../../errors.js';
import type { RefKernel } from '../../../ops/types.js';

// STUB: replaced by the real kernel.
export const MatMul: RefKernel = () => {
  throw new AtrousError('INTERNAL', 'MatMul: reference kernel not written yet');
};
