import { ShapeError, UnsupportedAttributeError } from '../../errors.js';
import { hasAttr, intsAttr } from '../../graph/attrs.js';
import type { Dim, Node } from '../../graph/ir.js';
import { checkBias, groupOf } from './conv.js';
import { FUSED_ACTIVATION_ATTRS } from './fused.js';
import type { OpDef, ValueInfo } from './types.js';
import {
  type AxisGeometry,
  checkWeightRank,
  elementCount,
  floatInput,
  readWindow,
  spatialRank,
  WINDOW_ATTRS,
  type Window,
} from './window.js';

export interface ConvTransposeShape {
  window: Window;
  group: number;
  outputPadding: number[];
  /** Explicit output_shape (spatial part only), if given. */
  outputShape?: number[];
  out: Dim[];
}

/**
 * One spatial axis of a ConvTranspose. Full size is s*(in-1) + output_padding + (k-1)*d + 1; pads
 * come from `pads`, or from output_shape / SAME_* (extra padding at the end for SAME_UPPER, at the
 * beginning otherwise — the ONNX spec, and onnxruntime since 1.14).
 */
export function transposeAxis(t: ConvTransposeShape, axis: number, inSize: number): AxisGeometry {
  const w = t.window;
  const s = w.strides[axis] as number;
  const effK = ((w.kernel[axis] as number) - 1) * (w.dilations[axis] as number) + 1;
  const full = s * (inSize - 1) + (t.outputPadding[axis] as number) + effK;
  const split = (total: number, out: number): AxisGeometry => {
    const small = Math.floor(total / 2);
    return w.autoPad === 'SAME_UPPER'
      ? { out, padBegin: small, padEnd: total - small }
      : { out, padBegin: total - small, padEnd: small };
  };
  if (t.outputShape) {
    const out = t.outputShape[axis] as number;
    return split(Math.max(0, full - out), out);
  }
  if (w.autoPad === 'SAME_UPPER' || w.autoPad === 'SAME_LOWER') {
    const total = Math.max(0, full - inSize * s);
    return split(total, full - total);
  }
  if (w.autoPad === 'VALID') return { out: full, padBegin: 0, padEnd: 0 };
  const spatial = w.kernel.length;
  const padBegin = w.pads[axis] as number;
  const padEnd = w.pads[axis + spatial] as number;
  return { out: full - padBegin - padEnd, padBegin, padEnd };
}

function readOutputPadding(node: Node, w: Window): number[] {
  const spatial = w.kernel.length;
  const op = intsAttr(node, 'output_padding', new Array<number>(spatial).fill(0));
  const bad = (problem: string): never => {
    throw new UnsupportedAttributeError(node.name, node.op, 'output_padding', problem);
  };
  if (op.length !== spatial) bad(`has ${op.length} values, expected ${spatial}`);
  op.forEach((p, i) => {
    const limit = Math.max(w.strides[i] as number, w.dilations[i] as number);
    if (p < 0 || p >= limit) bad(`[${i}] = ${p} must be in [0, max(stride, dilation)) = [0, ${limit})`);
  });
  return op;
}

function readOutputShape(node: Node, spatial: number): number[] | undefined {
  if (!hasAttr(node, 'output_shape')) return undefined;
  const os = intsAttr(node, 'output_shape');
  if (os.length !== spatial && os.length !== spatial + 2) {
    throw new UnsupportedAttributeError(
      node.name,
      node.op,
      'output_shape',
      `has ${os.length} values, expected ${spatial} (spatial dims) or ${spatial + 2}`,
    );
  }
  return os.slice(os.length - spatial);
}

/**
 * Validates ConvTranspose input X (N, C, [H,] W), weight W (C, M/group, [kH,] kW) and bias B (M);
 * returns the geometry and the output shape (N, M, ...).
 */
export function convTransposeShape(
  node: Node,
  x: readonly Dim[],
  w: readonly Dim[],
  bias?: readonly Dim[],
): ConvTransposeShape {
  const spatial = spatialRank(node, { dtype: 'float32', shape: [...x] });
  checkWeightRank(node, x, w);
  const group = groupOf(node);
  const c = x[1] as Dim;
  const [wc, mg] = w as [Dim, Dim];
  if (typeof c === 'number' && typeof wc === 'number' && c !== wc) {
    throw new ShapeError(
      node.name,
      node.op,
      `input has ${c} channels, weight [${w.join(', ')}] expects ${wc} input channels (its dim 0)`,
    );
  }
  if (typeof c === 'number' && c % group !== 0) {
    throw new ShapeError(node.name, node.op, `input has ${c} channels, not divisible by group ${group}`);
  }
  const m: Dim = typeof mg === 'number' ? mg * group : `${node.name}_d1`;
  checkBias(node, bias, m);
  const window = readWindow(node, spatial, w.slice(2));
  const t: ConvTransposeShape = {
    window,
    group,
    outputPadding: readOutputPadding(node, window),
    outputShape: readOutputShape(node, spatial),
    out: [],
  };
  const dims = x.slice(2).map((d, axis): Dim => {
    if (t.outputShape) return t.outputShape[axis] as number;
    if (typeof d === 'string') return `${node.name}_d${axis + 2}`;
    const { out } = transposeAxis(t, axis, d);
    if (out < 1) {
      throw new ShapeError(node.name, node.op, `spatial axis ${axis}: pads leave an output of size ${out}`);
    }
    return out;
  });
  t.out = [x[0] as Dim, m, ...dims];
  return t;
}

export const ConvTranspose: OpDef = {
  op: 'ConvTranspose',
  stem: 'conv_transpose',
  inputs: { min: 2, max: 3 },
  outputs: { min: 1, max: 1 },
  attrs: {
    ...WINDOW_ATTRS,
    dilations: { type: 'ints', optional: true },
    group: { type: 'int', default: 1 },
    output_padding: { type: 'ints', optional: true },
    output_shape: { type: 'ints', optional: true },
    ...FUSED_ACTIVATION_ATTRS,
  },
  inferShape(node, inputs) {
    const x = floatInput(node, inputs, 0, 'X');
    const w = floatInput(node, inputs, 1, 'W');
    const b: ValueInfo | undefined = inputs[2] ? floatInput(node, inputs, 2, 'B') : undefined;
    return [{ dtype: x.dtype, shape: convTransposeShape(node, x.shape, w.shape, b?.shape).out }];
  },
  // Every input element meets every weight of its group: 2 * N * C * in_spatial * (M / group) * prod(kernel)
  flops(_node, inputs) {
    const x = inputs[0]?.shape ?? [];
    const w = inputs[1]?.shape ?? [];
    return 2 * elementCount(x) * elementCount(w.slice(1));
  },
};
