import { AtrousError } from '../../../../errors.js';
import type { RefKernel } from '../../../ops/types.js';

// STUB: replaced by the real kernel.
export const Constant: RefKernel = () => {
  throw new AtrousError('INTERNAL', 'Constant: reference kernel not written yet');
};

export const ConstantOfShape: RefKernel = () => {
  throw new AtrousError('INTERNAL', 'ConstantOfShape: reference kernel not written yet');
};
