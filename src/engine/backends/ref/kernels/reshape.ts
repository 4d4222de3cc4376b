import { AtrousError } from '../../../../errors.js';
import type { RefKernel } from '../../../ops/types.js';

// STUB: replaced by the real kernel.
export const Reshape: RefKernel = () => {
  throw new AtrousError('INTERNAL', 'Reshape: reference kernel not written yet');
};

export const Flatten: RefKernel = () => {
  throw new AtrousError('INTERNAL', 'Flatten: reference kernel not written yet');
};

export const Squeeze: RefKernel = () => {
  throw new AtrousError('INTERNAL', 'Squeeze: reference kernel not written yet');
};

export const Unsqueeze: RefKernel = () => {
  throw new AtrousError('INTERNAL', 'Unsqueeze: reference kernel not written yet');
};
