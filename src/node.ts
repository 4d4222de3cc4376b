/**
 * The 'atrous/node' entry: everything of the main entry plus what needs Node's file system
 * (reading/writing .npy and images by path, labelled image folders). The main entry stays free of
 * node:* imports so that it loads in browsers.
 */
export * from './index.js';
export { readBytes, readImage, readNpy, writeBytes, writeNpy } from './io/node.js';
export { type EvaluateOptions, type EvaluateResult, evaluateFolder } from './post/datasets/evaluate.js';
export { type Pair, type Problem, pairFolder, readClassNames } from './post/datasets/folder.js';
