export type { LabelsLike } from './common.js';
export { type CrossEntropyOptions, crossEntropyLoss } from './cross-entropy.js';
export { type FocalOptions, focalLoss } from './focal.js';
export { type HausdorffLossOptions, hausdorffDtLoss } from './hausdorff.js';
export { softDiceLoss, type TverskyOptions, tverskyLoss } from './overlap.js';
