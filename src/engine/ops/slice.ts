import { ShapeError } from '../../errors.js';
import type { Dim, Node } from '../../graph/ir.js';
import { checkIntInput, constInts, normAxes, req, symDim } from './shape-utils.js';
import type { OpDef, OutputInfo, ValueInfo } from './types.js';

/** Where one axis of a Slice starts, its step and how many elements it keeps. */
export interface SliceRange {
  start: number;
  step: number;
  len: number;
}

/** ONNX's clamping of one axis (INT64 max/min sentinels arrive as huge doubles and clamp too). */
export function sliceRange(dim: number, start: number, end: number, step: number): SliceRange {
  if (start < 0) start += dim;
  if (end < 0) end += dim;
  if (step > 0) {
    start = Math.min(Math.max(start, 0), dim);
    end = Math.min(Math.max(end, 0), dim);
  } else {
    start = Math.min(Math.max(start, 0), dim - 1);
    end = Math.min(Math.max(end, -1), dim - 1);
  }
  return { start, step, len: Math.max(0, Math.ceil((end - start) / step)) };
}

interface SliceSpec {
  axes: number[];
  starts: number[];
  ends: number[];
  steps: number[];
}

/** The starts/ends/axes/steps inputs, checked; undefined where some are not constant. */
function sliceSpec(
  node: Node,
  inputs: (ValueInfo | undefined)[],
  rank: number,
): SliceSpec | number[] | undefined {
  const starts = req(node, inputs, 1);
  const ends = req(node, inputs, 2);
  for (const [i, what] of [
    [1, 'starts'],
    [2, 'ends'],
    [3, 'axes'],
    [4, 'steps'],
  ] as const) {
    const v = inputs[i];
    if (v) checkIntInput(node, v, what);
  }
  const axesIn = inputs[3] ? constInts(inputs[3]) : undefined;
  const axes = axesIn ? normAxes(node, axesIn, rank) : undefined;
  const s = constInts(starts);
  const e = constInts(ends);
  const st = inputs[4] ? constInts(inputs[4]) : undefined;
  if (!s || !e || (inputs[3] && !axes) || (inputs[4] && !st)) return axes;
  const all = axes ?? s.map((_, i) => i);
  const steps = st ?? s.map(() => 1);
  if (e.length !== s.length || all.length !== s.length || steps.length !== s.length) {
    throw new ShapeError(
      node.name,
      node.op,
      `starts/ends/axes/steps differ in length: ${s.length}/${e.length}/${all.length}/${steps.length}`,
    );
  }
  if (s.length > rank) throw new ShapeError(node.name, node.op, `${s.length} starts for rank ${rank}`);
  if (steps.includes(0)) throw new ShapeError(node.name, node.op, 'steps must not be 0');
  return { axes: all, starts: s, ends: e, steps };
}

export const Slice: OpDef = {
  op: 'Slice',
  stem: 'slice',
  inputs: { min: 3, max: 5 },
  outputs: { min: 1, max: 1 },
  attrs: {},
  inferShape(node, inputs): OutputInfo[] {
    const x = req(node, inputs, 0);
    const rank = x.shape.length;
    const spec = sliceSpec(node, inputs, rank);
    if (!spec || Array.isArray(spec)) {
      // Bounds unknown before running: the sliced axes (all, if axes is unknown too) get fresh dims.
      const sliced = new Set(spec ?? x.shape.map((_, i) => i));
      return [{ dtype: x.dtype, shape: x.shape.map((d, i) => (sliced.has(i) ? symDim(node, i) : d)) }];
    }
    const shape: Dim[] = [...x.shape];
    spec.axes.forEach((axis, i) => {
      const dim = x.shape[axis] as Dim;
      const [start, end, step] = [spec.starts[i], spec.ends[i], spec.steps[i]] as number[];
      if (typeof dim === 'number') shape[axis] = sliceRange(dim, start, end, step).len;
      // x[0:] of a symbolic dim keeps it.
      else if (!(start === 0 && step === 1 && end >= 2 ** 31 - 1)) shape[axis] = symDim(node, axis);
    });
    return [{ dtype: x.dtype, shape }];
  },
};

/** Per-axis ranges of a Slice on concrete dims (every axis; untouched ones keep all elements). */
export function sliceRanges(
  node: Node,
  dims: readonly number[],
  inputs: (ValueInfo | undefined)[],
): SliceRange[] {
  const spec = sliceSpec(node, inputs, dims.length);
  const ranges = dims.map((d) => ({ start: 0, step: 1, len: d }));
  if (spec && !Array.isArray(spec)) {
    spec.axes.forEach((axis, i) => {
      ranges[axis] = sliceRange(
        dims[axis] as number,
        spec.starts[i] as number,
        spec.ends[i] as number,
        spec.steps[i] as number,
      );
    });
  }
  return ranges;
}
