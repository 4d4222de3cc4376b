import { ShapeError, UnsupportedAttributeError } from '../../errors.js';
import { hasAttr, intsAttr, stringAttr } from '../../graph/attrs.js';
import type { Dim, Node } from '../../graph/ir.js';
import type { Tensor } from '../tensor.js';
import { checkIntInput, constInts, normAxes, req, symDim } from './shape-utils.js';
import type { OpDef, ValueInfo } from './types.js';
import { elementCount } from './window.js';

export const PAD_MODES = ['constant', 'reflect', 'edge'] as const;

/** Per-axis begin/end padding of every axis (negative = crop). */
export interface PadAmounts {
  begin: number[];
  end: number[];
}

/**
 * The pads to apply: from the `pads` input (opset >= 11, optionally restricted to `axes`, opset
 * 18) or the `pads` attribute (opset < 11). Undefined when the pads or axes are not constants.
 */
export function padAmounts(
  node: Node,
  rank: number,
  padsIn: ValueInfo | Tensor | undefined,
  axesIn: ValueInfo | Tensor | undefined,
): PadAmounts | undefined {
  const values = (v: ValueInfo | Tensor | undefined) =>
    v === undefined ? undefined : 'shape' in v ? constInts(v) : v.toNumbers();
  let pads: number[] | undefined;
  if (padsIn) pads = values(padsIn);
  else if (hasAttr(node, 'pads')) pads = intsAttr(node, 'pads');
  else
    throw new ShapeError(
      node.name,
      node.op,
      'needs pads: the pads input (opset >= 11) or the pads attribute',
    );
  const axesValues = axesIn ? values(axesIn) : undefined;
  if (!pads || (axesIn && !axesValues)) return undefined;
  const axes = axesValues ? normAxes(node, axesValues, rank) : Array.from({ length: rank }, (_, i) => i);
  if (pads.length !== 2 * axes.length) {
    throw new ShapeError(
      node.name,
      node.op,
      `pads has ${pads.length} values, expected ${2 * axes.length} (begin and end for each of ${axes.length} axes)`,
    );
  }
  const begin = new Array<number>(rank).fill(0);
  const end = new Array<number>(rank).fill(0);
  axes.forEach((a, i) => {
    begin[a] = pads[i] as number;
    end[a] = pads[i + axes.length] as number;
  });
  return { begin, end };
}

/** Output dims of a Pad; a negative total (cropping more than the axis holds) is a ShapeError. */
export function padDims(node: Node, shape: readonly Dim[], p: PadAmounts): Dim[] {
  return shape.map((d, a) => {
    const delta = (p.begin[a] as number) + (p.end[a] as number);
    if (typeof d === 'string') return delta === 0 ? d : symDim(node, a);
    if (d + delta < 0) {
      throw new ShapeError(
        node.name,
        node.op,
        `axis ${a} of size ${d} cannot be cropped by pads ${p.begin[a]}, ${p.end[a]} (size would be ${d + delta})`,
      );
    }
    return d + delta;
  });
}

/**
 * Negative pads crop first; edge and reflect then read the cropped window of each axis (as
 * onnxruntime does). Its first index and length on axis `a` of size `d`.
 */
export function padWindow(d: number, p: PadAmounts, a: number): { start: number; length: number } {
  const start = Math.max(0, -(p.begin[a] as number));
  return { start, length: d - start - Math.max(0, -(p.end[a] as number)) };
}

/**
 * Where output position j of an axis reads, as an index into a window of length len (padWindow),
 * j counted from the window's start; -1 for a constant pad. Reflect is numpy's (the edge is not
 * repeated), folding as often as needed.
 */
export function padSource(mode: string, j: number, len: number): number {
  if (j >= 0 && j < len) return j;
  if (mode === 'constant') return -1;
  if (mode === 'edge' || len === 1) return j < 0 ? 0 : len - 1;
  const period = 2 * (len - 1);
  const m = ((j % period) + period) % period;
  return m < len ? m : period - m;
}

/**
 * Edge and reflect padding copy from the cropped window, so they need it non-empty wherever the
 * output axis is: checked here, in shape inference, so every backend rejects the same graphs.
 */
function checkWindows(
  node: Node,
  mode: string,
  shape: readonly Dim[],
  p: PadAmounts,
  out: readonly Dim[],
): void {
  if (mode === 'constant') return;
  shape.forEach((d, a) => {
    if (typeof d === 'string' || out[a] === 0) return;
    if (padWindow(d, p, a).length <= 0) {
      throw new ShapeError(
        node.name,
        node.op,
        `${mode} padding needs a non-empty axis ${a}, but pads ${p.begin[a]}, ${p.end[a]} crop all ${d} of it`,
      );
    }
  });
}

/** Pad: constant / reflect / edge padding, negative pads crop; 'wrap' (opset 19) is not implemented. */
export const Pad: OpDef = {
  op: 'Pad',
  stem: 'pad',
  inputs: { min: 1, max: 4 },
  outputs: { min: 1, max: 1 },
  attrs: {
    mode: { type: 'string', default: 'constant', oneOf: PAD_MODES },
    // Opset < 11 carries pads and the fill value as attributes.
    pads: { type: 'ints', optional: true },
    value: { type: 'float', default: 0 },
  },
  inferShape(node, inputs) {
    const x = req(node, inputs, 0);
    if (inputs[1]) checkIntInput(node, inputs[1], 'pads');
    if (inputs[3]) checkIntInput(node, inputs[3], 'axes');
    const cv = inputs[2];
    if (cv) {
      if (cv.dtype !== x.dtype) {
        throw new ShapeError(node.name, node.op, `constant_value is ${cv.dtype} but data is ${x.dtype}`);
      }
      if (elementCount(cv.shape) !== 1 || cv.shape.some((d) => typeof d === 'string')) {
        throw new ShapeError(
          node.name,
          node.op,
          `constant_value must be a scalar, got shape [${cv.shape.join(', ')}]`,
        );
      }
    }
    if (inputs[1] && hasAttr(node, 'pads')) {
      throw new UnsupportedAttributeError(
        node.name,
        node.op,
        'pads',
        'is given both as attribute and as input',
      );
    }
    const p = padAmounts(node, x.shape.length, inputs[1], inputs[3]);
    const shape = p ? padDims(node, x.shape, p) : x.shape.map((_, a) => symDim(node, a));
    if (p) checkWindows(node, stringAttr(node, 'mode', 'constant'), x.shape, p, shape);
    return [{ dtype: x.dtype, shape }];
  },
  flops: (_node, _inputs, outputs) => elementCount(outputs[0]?.shape ?? []),
};
