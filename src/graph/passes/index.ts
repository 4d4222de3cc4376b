import type { Graph } from '../ir.js';
import { foldBatchNorm } from './fold-batchnorm.js';
import { foldConstants } from './fold-constants.js';
import { fuseActivation } from './fuse-activation.js';
import { fuseHardSwish } from './fuse-hardswish.js';
import { pruneConvTaps } from './prune-conv-taps.js';
import { removeDeadNodes } from './remove-dead-nodes.js';
import { removeIdentity } from './remove-identity.js';

export { foldBatchNorm } from './fold-batchnorm.js';
export { type FoldOptions, foldConstants } from './fold-constants.js';
export { fuseActivation } from './fuse-activation.js';
export { fuseHardSwish } from './fuse-hardswish.js';
export { pruneConvTaps } from './prune-conv-taps.js';
export { removeDeadNodes } from './remove-dead-nodes.js';
export { removeIdentity } from './remove-identity.js';

export type Pass = (graph: Graph) => Graph;

/**
 * The default pipeline run by Session.create. Order matters: identities go first so folding and
 * fusion see producer → consumer directly; constants are folded before BatchNorm folding and
 * activation fusion, which need constant parameters (Clip bounds, BN statistics); taps that only
 * read padding are pruned once weights are final; dead-node removal last sweeps up what the others
 * left unread. A decomposed HardSwish (x · HardSigmoid(x)) is made whole before activation fusion, so
 * that it fuses into its conv.
 */
export const DEFAULT_PASSES: readonly Pass[] = [
  removeIdentity,
  (g) => foldConstants(g),
  foldBatchNorm,
  fuseHardSwish,
  fuseActivation,
  pruneConvTaps,
  removeDeadNodes,
];

/** Runs the default optimization pipeline (each pass a pure Graph → Graph). */
export function optimizeGraph(graph: Graph): Graph {
  return DEFAULT_PASSES.reduce((g, pass) => pass(g), graph);
}
