import { ModelFormatError } from '../../errors.js';
import type { Graph } from '../ir.js';
import { isAtrousFile } from '../serialize/atrous-format.js';
import { loadAtrous } from '../serialize/atrous-reader.js';
import { importOnnx } from './onnx.js';
import { importTflite, isTfliteFile } from './tflite.js';

/** Reads a model file's bytes into a Graph, picking the importer from the content. */
export function importModel(bytes: Uint8Array): Graph {
  if (bytes.length === 0) throw new ModelFormatError('the model file is empty');
  if (isAtrousFile(bytes)) return loadAtrous(bytes);
  if (isTfliteFile(bytes)) return importTflite(bytes);
  return importOnnx(bytes);
}
