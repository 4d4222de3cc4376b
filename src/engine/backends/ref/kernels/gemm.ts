import { AtrousError } from '../../../../errors.js';
import type { RefKernel } from '../../../ops/types.js';

// STUB: replaced by the real kernel.
export const Gemm: RefKernel = () => {
  throw new AtrousError('INTERNAL', 'Gemm: reference kernel not written yet');
};
