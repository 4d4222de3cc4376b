import type { ZooModel } from '../types.js';

/** torchvision-compatible segmentation models (parameter names = torchvision's state_dict keys). */
export const TORCHVISION_MODELS: readonly ZooModel[] = [];
