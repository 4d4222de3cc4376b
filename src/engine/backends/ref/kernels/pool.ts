import { AtrousError } from '../../../../errors.js';
import type { RefKernel } from '../../../ops/types.js';

// STUB: replaced by the real kernel.
export const GlobalAveragePool: RefKernel = () => {
  throw new AtrousError('INTERNAL', 'GlobalAveragePool: reference kernel not written yet');
};

export const AveragePool: RefKernel = () => {
  throw new AtrousError('INTERNAL', 'AveragePool: reference kernel not written yet');
};

export const MaxPool: RefKernel = () => {
  throw new AtrousError('INTERNAL', 'MaxPool: reference kernel not written yet');
};
