import type { ZooModel } from '../types.js';

/** Models built from their papers, with documented parameter names. */
export const PAPER_MODELS: readonly ZooModel[] = [];
