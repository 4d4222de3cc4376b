import { ModelFormatError } from '../../errors.js';
import type { Graph } from '../ir.js';

// STUB: replaced by the protobuf-based importer.
export function importOnnx(_bytes: Uint8Array): Graph {
  throw new ModelFormatError('ONNX import is not written yet');
}
