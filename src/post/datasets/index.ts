export { type EvaluateOptions, type EvaluateResult, evaluateFolder } from './evaluate.js';
export { type Pair, type Problem, pairFolder, readClassNames } from './folder.js';
export {
  builtinClasses,
  CITYSCAPES_CLASSES,
  cityscapesTrainIds,
  decodeLabelPng,
  LABEL_FORMATS,
  type LabelFormat,
  type LabelMap,
  unknownLabels,
  VOC_CLASSES,
} from './labels.js';
export { slidingWindowScores, windowStarts } from './sliding.js';
