import { PAPER_MODELS } from './papers/index.js';
import { TORCHVISION_MODELS } from './torchvision/index.js';
import type { ZooModel } from './types.js';

export type { ZooConfig, ZooModel } from './types.js';

/** Every model of the zoo, by name. */
export const ZOO: readonly ZooModel[] = [...TORCHVISION_MODELS, ...PAPER_MODELS];
