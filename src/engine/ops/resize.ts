import { ShapeError, UnsupportedAttributeError } from '../../errors.js';
import { floatsAttr, hasAttr, intsAttr, stringAttr } from '../../graph/attrs.js';
import type { Dim, Node } from '../../graph/ir.js';
import { isFloatDType, type Tensor } from '../tensor.js';
import { normAxes, req, symDim } from './shape-utils.js';
import type { OpDef, ValueInfo } from './types.js';
import { elementCount } from './window.js';

export const RESIZE_MODES = ['nearest', 'linear'] as const;
export const COORDINATE_MODES = [
  'half_pixel',
  'pytorch_half_pixel',
  'align_corners',
  'asymmetric',
  'tf_half_pixel_for_nn',
] as const;
export type CoordinateMode = (typeof COORDINATE_MODES)[number];
export const NEAREST_MODES = ['round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil'] as const;
/** Upsample's nearest (onnxruntime's "simple"): floor when enlarging, ceil when shrinking. */
export type NearestMode = (typeof NEAREST_MODES)[number] | 'simple';

/** What a Resize/Upsample does on each axis: output size and the scale its coordinates use. */
export interface ResizePlan {
  /** Output shape (symbolic where the input dim is symbolic and the output depends on it). */
  out: Dim[];
  scales: number[];
}

/** A scales/sizes operand: shape-inference info, a runtime tensor, or attribute values. */
type Source = ValueInfo | Tensor | number[] | undefined;

/** Constant values of an input (undefined when unknown); an empty tensor counts as absent (null). */
function valuesOf(v: Source): number[] | null | undefined {
  if (v === undefined) return null;
  if (Array.isArray(v)) return v.length === 0 ? null : v;
  const dims = 'dims' in v ? v.dims : v.shape;
  if (dims.length === 1 && dims[0] === 0) return null;
  const t = 'dims' in v ? v : v.value;
  return t ? t.toNumbers() : undefined;
}

/**
 * Output size per axis: floor(in * scale) from `scales`, or `sizes` (with keep_aspect_ratio_policy),
 * for the axes listed in `axes` (opset 18; default all). Undefined when scales/sizes are not
 * constants. Coordinates use the given scale, or out / in when sizes were given (in float32, as
 * onnxruntime computes them).
 */
export function resizePlan(
  node: Node,
  inDims: readonly Dim[],
  scalesIn: Source,
  sizesIn: Source,
): ResizePlan | undefined {
  const rank = inDims.length;
  const axes = hasAttr(node, 'axes') ? normAxes(node, intsAttr(node, 'axes'), rank) : inDims.map((_, i) => i);
  const scales = valuesOf(scalesIn);
  const sizes = valuesOf(sizesIn);
  if (scales === undefined || sizes === undefined) return undefined;
  if (scales && sizes) throw new ShapeError(node.name, node.op, 'give either scales or sizes, not both');
  if (!scales && !sizes)
    throw new ShapeError(node.name, node.op, 'needs scales or sizes (both are omitted or empty)');
  const given = (scales ?? sizes) as number[];
  if (given.length !== axes.length) {
    throw new ShapeError(
      node.name,
      node.op,
      `${scales ? 'scales' : 'sizes'} has ${given.length} values, expected ${axes.length} (input rank ${rank}${hasAttr(node, 'axes') ? ', axes' : ''})`,
    );
  }
  const out = [...inDims];
  const plan: ResizePlan = { out, scales: inDims.map(() => 1) };
  // Symbolic input dims: the output dim is known only when sizes gives it or the scale is 1.
  const scaled = (a: number, size: (d: number) => number): void => {
    const d = inDims[a] as Dim;
    out[a] = typeof d === 'number' ? size(d) : plan.scales[a] === 1 ? d : symDim(node, a);
  };
  if (scales) {
    axes.forEach((a, i) => {
      const sc = Math.fround(scales[i] as number);
      if (!(sc > 0)) throw new ShapeError(node.name, node.op, `scales[${i}] = ${sc} must be > 0`);
      plan.scales[a] = sc;
      scaled(a, (d) => Math.floor(Math.fround(sc * d)));
    });
    return plan;
  }
  const target = sizes as number[];
  target.forEach((size, i) => {
    if (size < 0) throw new ShapeError(node.name, node.op, `sizes[${i}] = ${size} must be >= 0`);
    // Nothing to interpolate from (onnxruntime refuses it too).
    if (inDims[axes[i] as number] === 0 && size > 0)
      throw new ShapeError(
        node.name,
        node.op,
        `sizes[${i}] = ${size}: axis ${axes[i]} is empty, it resizes only to 0`,
      );
  });
  const policy = stringAttr(node, 'keep_aspect_ratio_policy', 'stretch');
  if (policy === 'stretch') {
    axes.forEach((a, i) => {
      out[a] = target[i] as number;
      const d = inDims[a] as Dim;
      plan.scales[a] = typeof d === 'number' ? Math.fround((target[i] as number) / d) : Number.NaN;
    });
    return plan;
  }
  // not_larger / not_smaller: one common scale (float32, as ONNX and onnxruntime compute it),
  // output = round(scale * in); coordinates use the common scale.
  if (!axes.every((a) => typeof inDims[a] === 'number')) {
    for (const a of axes) out[a] = symDim(node, a);
    return plan;
  }
  const ratios = axes.map((a, i) => Math.fround((target[i] as number) / (inDims[a] as number)));
  const common = policy === 'not_larger' ? Math.min(...ratios) : Math.max(...ratios);
  for (const a of axes) {
    plan.scales[a] = common;
    out[a] = Math.round(Math.fround(common * (inDims[a] as number)));
  }
  return plan;
}

/** Linear interpolation is implemented on the last two axes (H, W) only. */
export function checkLinearAxes(node: Node, plan: ResizePlan): void {
  const rank = plan.out.length;
  const bad = plan.scales
    .map((s, a) => (s !== 1 && !Number.isNaN(s) && a < rank - 2 ? a : -1))
    .filter((a) => a >= 0);
  if (bad.length > 0) {
    throw new UnsupportedAttributeError(
      node.name,
      node.op,
      'mode',
      `= "linear" interpolates only the last two axes (H, W); axes [${bad.join(', ')}] (e.g. N or C) have scales [${bad.map((a) => plan.scales[a]).join(', ')}], which must be 1 (use mode "nearest" to resize them)`,
    );
  }
}

function inferResize(
  node: Node,
  x: ValueInfo,
  plan: ResizePlan | undefined,
): { dtype: ValueInfo['dtype']; shape: Dim[] }[] {
  const mode = stringAttr(node, 'mode', 'nearest');
  if (mode === 'linear' && !isFloatDType(x.dtype)) {
    throw new ShapeError(node.name, node.op, `linear mode needs float input, got ${x.dtype}`);
  }
  if (plan && mode === 'linear') checkLinearAxes(node, plan);
  return [{ dtype: x.dtype, shape: plan ? plan.out : x.shape.map((_, i) => symDim(node, i)) }];
}

const flops = (node: Node, _inputs: (ValueInfo | undefined)[], outputs: { shape: Dim[] }[]) =>
  elementCount(outputs[0]?.shape ?? []) * (stringAttr(node, 'mode', 'nearest') === 'linear' ? 8 : 1);

export const Resize: OpDef = {
  op: 'Resize',
  stem: 'resize',
  inputs: { min: 1, max: 4 },
  outputs: { min: 1, max: 1 },
  attrs: {
    mode: { type: 'string', default: 'nearest', oneOf: RESIZE_MODES },
    coordinate_transformation_mode: { type: 'string', default: 'half_pixel', oneOf: COORDINATE_MODES },
    nearest_mode: { type: 'string', default: 'round_prefer_floor', oneOf: NEAREST_MODES },
    // Only matter for cubic / tf_crop_and_resize, which are not implemented: accepted, unused.
    cubic_coeff_a: { type: 'float', default: -0.75 },
    exclude_outside: { type: 'int', default: 0 },
    extrapolation_value: { type: 'float', default: 0 },
    antialias: { type: 'int', default: 0, oneOf: [0] },
    axes: { type: 'ints', optional: true },
    keep_aspect_ratio_policy: {
      type: 'string',
      default: 'stretch',
      oneOf: ['stretch', 'not_larger', 'not_smaller'],
    },
  },
  inferShape(node, inputs) {
    const x = req(node, inputs, 0);
    const scales = inputs[2];
    const sizes = inputs[3];
    if (scales && scales.dtype !== 'float32') {
      throw new ShapeError(node.name, node.op, `scales must be float32, got ${scales.dtype}`);
    }
    if (sizes && sizes.dtype !== 'int64')
      throw new ShapeError(node.name, node.op, `sizes must be int64, got ${sizes.dtype}`);
    return inferResize(node, x, resizePlan(node, x.shape, scales, sizes));
  },
  flops,
};

/**
 * Upsample (deprecated in opset 10): scales from the input (opset 9) or the attribute (opset 7);
 * same output sizes as Resize with scales.
 */
export function upsamplePlan(
  node: Node,
  inDims: readonly Dim[],
  scalesIn: ValueInfo | Tensor | undefined,
): ResizePlan | undefined {
  if (!scalesIn && !hasAttr(node, 'scales')) {
    throw new ShapeError(
      node.name,
      node.op,
      'needs scales: the scales input (opset 9) or the scales attribute (opset 7)',
    );
  }
  return resizePlan(node, inDims, scalesIn ?? floatsAttr(node, 'scales'), undefined);
}

export const Upsample: OpDef = {
  op: 'Upsample',
  stem: 'resize',
  inputs: { min: 1, max: 2 },
  outputs: { min: 1, max: 1 },
  attrs: {
    mode: { type: 'string', default: 'nearest', oneOf: RESIZE_MODES },
    scales: { type: 'floats', optional: true },
  },
  inferShape(node, inputs) {
    const x = req(node, inputs, 0);
    const plan = upsamplePlan(node, x.shape, inputs[1]);
    if (plan?.scales.some((s) => s < 1)) {
      throw new ShapeError(
        node.name,
        node.op,
        `scales [${plan.scales.join(', ')}] must all be >= 1 (Upsample only enlarges)`,
      );
    }
    return inferResize(node, x, plan);
  },
  flops,
};
