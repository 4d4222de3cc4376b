import { ShapeError, UnsupportedAttributeError } from '../../errors.js';
import { hasAttr, intAttr, intsAttr, stringAttr } from '../../graph/attrs.js';
import type { Dim, Node } from '../../graph/ir.js';
import { isFloatDType } from '../tensor.js';
import type { AttrSpec, ValueInfo } from './types.js';

/**
 * Sliding-window geometry shared by Conv, ConvTranspose and the pools: attribute reading, auto_pad
 * and output sizes. The shape inference and the reference kernels both call these, so the output
 * size a kernel writes is the one shape inference promised.
 */
export const AUTO_PADS = ['NOTSET', 'SAME_UPPER', 'SAME_LOWER', 'VALID'] as const;
export type AutoPad = (typeof AUTO_PADS)[number];

/** The attributes every windowed op declares (dilations is added by the ops that have it). */
export const WINDOW_ATTRS: Record<string, AttrSpec> = {
  auto_pad: { type: 'string', default: 'NOTSET', oneOf: AUTO_PADS },
  kernel_shape: { type: 'ints', optional: true },
  pads: { type: 'ints', optional: true },
  strides: { type: 'ints', optional: true },
};

export interface Window {
  /** Spatial kernel extent per axis (undilated). */
  kernel: number[];
  strides: number[];
  dilations: number[];
  /** Explicit pads [begin_0.., end_0..] (used when autoPad is NOTSET). */
  pads: number[];
  autoPad: AutoPad;
}

/** One spatial axis after auto_pad is resolved: output size and the padding actually applied. */
export interface AxisGeometry {
  out: number;
  padBegin: number;
  padEnd: number;
}

function listAttr(node: Node, name: string, length: number, fill: number, min: number): number[] {
  const v = intsAttr(node, name, new Array<number>(length).fill(fill));
  if (v.length !== length) {
    throw new UnsupportedAttributeError(
      node.name,
      node.op,
      name,
      `has ${v.length} values, expected ${length} (one per spatial axis${name === 'pads' ? ', begins then ends' : ''})`,
    );
  }
  if (v.some((x) => x < min)) {
    throw new UnsupportedAttributeError(
      node.name,
      node.op,
      name,
      `= [${v.join(', ')}] must all be >= ${min}`,
    );
  }
  return v;
}

/**
 * Reads kernel_shape/strides/dilations/pads/auto_pad for `spatial` axes. `weightKernel` (Conv) is
 * the kernel taken from the weight; kernel_shape, when given, must agree with it.
 */
export function readWindow(node: Node, spatial: number, weightKernel?: readonly Dim[]): Window {
  let kernel: number[];
  if (hasAttr(node, 'kernel_shape')) {
    kernel = listAttr(node, 'kernel_shape', spatial, 1, 1);
    weightKernel?.forEach((k, i) => {
      if (typeof k === 'number' && k !== kernel[i]) {
        throw new ShapeError(
          node.name,
          node.op,
          `kernel_shape [${kernel.join(', ')}] does not match the weight's spatial dims [${weightKernel.join(', ')}]`,
        );
      }
    });
  } else if (weightKernel) {
    if (!weightKernel.every((k) => typeof k === 'number')) {
      throw new ShapeError(
        node.name,
        node.op,
        `weight spatial dims [${weightKernel.join(', ')}] must be known`,
      );
    }
    kernel = [...(weightKernel as number[])];
  } else {
    throw new UnsupportedAttributeError(node.name, node.op, 'kernel_shape', 'is required');
  }
  return {
    kernel,
    strides: listAttr(node, 'strides', spatial, 1, 1),
    dilations: listAttr(node, 'dilations', spatial, 1, 1),
    pads: listAttr(node, 'pads', 2 * spatial, 0, 0),
    autoPad: stringAttr(node, 'auto_pad', 'NOTSET') as AutoPad,
  };
}

/**
 * Output size and padding of one axis of a Conv or pool (ONNX formulas). ceil_mode keeps the
 * last window only if it starts inside the input or the begin padding (onnx/onnx#5741, as ORT).
 */
export function windowAxis(w: Window, axis: number, inSize: number, ceilMode = false): AxisGeometry {
  const k = w.kernel[axis] as number;
  const s = w.strides[axis] as number;
  const d = w.dilations[axis] as number;
  const effK = (k - 1) * d + 1;
  if (w.autoPad === 'SAME_UPPER' || w.autoPad === 'SAME_LOWER') {
    const out = Math.ceil(inSize / s);
    const total = Math.max(0, (out - 1) * s + effK - inSize);
    const small = Math.floor(total / 2);
    return w.autoPad === 'SAME_UPPER'
      ? { out, padBegin: small, padEnd: total - small }
      : { out, padBegin: total - small, padEnd: small };
  }
  const spatial = w.kernel.length;
  const padBegin = w.autoPad === 'VALID' ? 0 : (w.pads[axis] as number);
  const padEnd = w.autoPad === 'VALID' ? 0 : (w.pads[axis + spatial] as number);
  const span = inSize + padBegin + padEnd - effK;
  if (span < 0) return { out: 0, padBegin, padEnd };
  let out = Math.floor(span / s) + 1;
  if (ceilMode) {
    out = Math.ceil(span / s) + 1;
    if ((out - 1) * s >= inSize + padBegin) out--;
  }
  return { out, padBegin, padEnd };
}

/** Output dims of the spatial axes; a symbolic input dim gives a symbolic output dim. */
export function windowDims(node: Node, w: Window, spatialIn: readonly Dim[], ceilMode = false): Dim[] {
  return spatialIn.map((dim, axis) => {
    if (typeof dim === 'string') {
      const keeps = w.strides[axis] === 1 && (w.autoPad.startsWith('SAME') || keepsSize(w, axis));
      return keeps ? dim : `${node.name}_d${axis + 2}`;
    }
    const { out } = windowAxis(w, axis, dim, ceilMode);
    if (out < 1) {
      throw new ShapeError(
        node.name,
        node.op,
        `spatial axis ${axis} of size ${dim} is smaller than the (dilated) kernel ${w.kernel[axis]} with pads [${w.pads.join(', ')}]`,
      );
    }
    return out;
  });
}

function keepsSize(w: Window, axis: number): boolean {
  if (w.autoPad === 'VALID') return w.kernel[axis] === 1;
  const effK = ((w.kernel[axis] as number) - 1) * (w.dilations[axis] as number) + 1;
  return effK - 1 === (w.pads[axis] as number) + (w.pads[axis + w.kernel.length] as number);
}

/** Checks input `i` is present and a float tensor; returns it. */
export function floatInput(
  node: Node,
  inputs: readonly (ValueInfo | undefined)[],
  i: number,
  what: string,
): ValueInfo {
  const v = inputs[i];
  if (!v) throw new ShapeError(node.name, node.op, `input ${i} (${what}) is required`);
  if (!isFloatDType(v.dtype)) {
    throw new ShapeError(node.name, node.op, `input ${i} (${what}) must be float32, got ${v.dtype}`);
  }
  return v;
}

/** Number of elements of a shape, counting symbolic dims as 1 (for FLOP estimates). */
export function elementCount(shape: readonly Dim[]): number {
  return shape.reduce<number>((a, d) => a * (typeof d === 'number' ? d : 1), 1);
}

/** Only 1-D and 2-D windows are implemented (the reference kernels map 1-D to H = 1). */
export function spatialRank(node: Node, x: ValueInfo, min = 1, max = 2): number {
  const spatial = x.shape.length - 2;
  if (spatial < min || spatial > max) {
    throw new ShapeError(
      node.name,
      node.op,
      `input has rank ${x.shape.length} ([${x.shape.join(', ')}]); only 1-D (N,C,L) and 2-D (N,C,H,W) ${node.op} are supported`,
    );
  }
  return spatial;
}

/** ceil_mode attribute as a boolean (pools only). */
export function ceilModeOf(node: Node): boolean {
  return intAttr(node, 'ceil_mode', 0) !== 0;
}

/** Conv-like weights have the input's rank: (M, C/group, k...) or (C, M/group, k...). */
export function checkWeightRank(node: Node, x: readonly Dim[], w: readonly Dim[]): void {
  if (w.length !== x.length) {
    throw new ShapeError(
      node.name,
      node.op,
      `weight has rank ${w.length} ([${w.join(', ')}]), expected rank ${x.length} like the input [${x.join(', ')}]`,
    );
  }
}
