import { AtrousError } from '../../../../errors.js';
import type { RefKernel } from '../../../ops/types.js';

// STUB: replaced by the real kernel.
export const Add: RefKernel = () => {
  throw new AtrousError('INTERNAL', 'Add: reference kernel not written yet');
};

export const Sub: RefKernel = () => {
  throw new AtrousError('INTERNAL', 'Sub: reference kernel not written yet');
};

export const Mul: RefKernel = () => {
  throw new AtrousError('INTERNAL', 'Mul: reference kernel not written yet');
};

export const Div: RefKernel = () => {
  throw new AtrousError('INTERNAL', 'Div: reference kernel not written yet');
};
