import { UnsupportedAttributeError } from '../../errors.js';
import type { Node } from '../../graph/ir.js';
import type { DType } from '../tensor.js';
import { elementsOf, req } from './shape-utils.js';
import type { OpDef, OutputInfo } from './types.js';

/** ONNX TensorProto.DataType codes atrous can cast to. */
export const CAST_TYPES: Readonly<Record<number, { dtype: DType; onnx: string }>> = {
  1: { dtype: 'float32', onnx: 'FLOAT' },
  2: { dtype: 'uint8', onnx: 'UINT8' },
  3: { dtype: 'int8', onnx: 'INT8' },
  6: { dtype: 'int32', onnx: 'INT32' },
  7: { dtype: 'int64', onnx: 'INT64' },
  9: { dtype: 'bool', onnx: 'BOOL' },
  11: { dtype: 'float64', onnx: 'DOUBLE' },
};

/** The dtype attribute `to` names, or an UnsupportedAttributeError listing the supported codes. */
export function castTarget(node: Node): DType {
  const to = node.attrs.to;
  const hit = typeof to === 'number' ? CAST_TYPES[to] : undefined;
  if (!hit) {
    const supported = Object.entries(CAST_TYPES).map(([code, t]) => `${code} (${t.onnx})`);
    throw new UnsupportedAttributeError(
      node.name,
      node.op,
      'to',
      `= ${JSON.stringify(to)} is not a supported data type; supported: ${supported.join(', ')}`,
    );
  }
  return hit.dtype;
}

/** Cast: float → integer truncates toward zero; anything → bool is `!= 0`. */
export const Cast: OpDef = {
  op: 'Cast',
  stem: 'cast',
  inputs: { min: 1, max: 1 },
  outputs: { min: 1, max: 1 },
  attrs: { to: { type: 'int' } },
  inferShape(node, inputs): OutputInfo[] {
    const x = req(node, inputs, 0);
    return [{ dtype: castTarget(node), shape: [...x.shape] }];
  },
  flops: (_node, _inputs, outputs) => elementsOf(outputs[0]),
};
