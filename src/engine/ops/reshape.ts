import { ShapeError } from '../../errors.js';
import type { Dim, Node } from '../../graph/ir.js';
import { checkIntInput, constInts, fmt, normAxes, product, req, symDim } from './shape-utils.js';
import type { OpDef, OutputInfo, ValueInfo } from './types.js';

/** The value of -1 in a Reshape target: symbolic dims must cancel between input and output. */
function inferred(node: Node, from: readonly Dim[], to: readonly Dim[], at: number): Dim {
  const syms = from.filter((d): d is string => typeof d === 'string');
  let numOut = 1;
  for (const d of to.filter((_, i) => i !== at)) {
    if (typeof d === 'number') numOut *= d;
    else {
      const k = syms.indexOf(d);
      if (k < 0) return symDim(node, at);
      syms.splice(k, 1);
    }
  }
  const numIn = from.reduce<number>((a, d) => a * (typeof d === 'number' ? d : 1), 1);
  // [N, 6] → [-1, 2, 3]: the -1 is the one symbolic dim left over, when the numbers cancel.
  if (syms.length === 1 && numIn === numOut) return syms[0] as string;
  if (syms.length > 0) return symDim(node, at);
  if (numOut === 0 || numIn % numOut !== 0) {
    throw new ShapeError(node.name, node.op, `cannot reshape ${fmt(from)} (${numIn} elements) to ${fmt(to)}`);
  }
  return numIn / numOut;
}

/** Reshape: 0 copies the input dim (unless allowzero = 1), one -1 is inferred. */
export const Reshape: OpDef = {
  op: 'Reshape',
  stem: 'reshape',
  inputs: { min: 2, max: 2 },
  outputs: { min: 1, max: 1 },
  attrs: { allowzero: { type: 'int', default: 0, oneOf: [0, 1] } },
  inferShape(node, inputs): OutputInfo[] {
    const x = req(node, inputs, 0);
    const s = req(node, inputs, 1);
    checkIntInput(node, s, 'shape');
    const target = constInts(s);
    if (!target) {
      const k = s.shape[0];
      if (s.shape.length !== 1 || typeof k !== 'number') {
        throw new ShapeError(
          node.name,
          node.op,
          `shape input must be 1-D of known length, got ${fmt(s.shape)}`,
        );
      }
      return [{ dtype: x.dtype, shape: Array.from({ length: k }, (_, i) => symDim(node, i)) }];
    }
    const allowzero = node.attrs.allowzero === 1;
    const minus = target.filter((v) => v === -1).length;
    if (minus > 1 || target.some((v) => v < -1) || (allowzero && minus > 0 && target.includes(0))) {
      throw new ShapeError(node.name, node.op, `invalid target shape [${target.join(',')}]`);
    }
    const out: Dim[] = target.map((v, i) => {
      if (v !== 0 || allowzero) return v;
      if (i >= x.shape.length) {
        throw new ShapeError(node.name, node.op, `target ${fmt(target)} copies dim ${i} of ${fmt(x.shape)}`);
      }
      return x.shape[i] as Dim;
    });
    const at = target.indexOf(-1);
    if (at >= 0) out[at] = inferred(node, x.shape, out, at);
    const nIn = product(x.shape);
    const nOut = product(out);
    if (nIn !== undefined && nOut !== undefined && nIn !== nOut) {
      throw new ShapeError(
        node.name,
        node.op,
        `cannot reshape ${fmt(x.shape)} (${nIn} elements) to ${fmt(target)} (${nOut} elements)`,
      );
    }
    return [{ dtype: x.dtype, shape: out }];
  },
};

/** Product of a group of dims: a number, the one symbolic dim of the group, or a fresh name. */
function groupDim(node: Node, dims: readonly Dim[], i: number): Dim {
  const n = product(dims);
  if (n !== undefined) return n;
  const syms = dims.filter((d) => typeof d === 'string');
  return syms.length === 1 && product(dims.filter((d) => typeof d === 'number')) === 1
    ? (syms[0] as Dim)
    : symDim(node, i);
}

/** Flatten: [prod(dims[:axis]), prod(dims[axis:])], axis in [-rank, rank]. */
export const Flatten: OpDef = {
  op: 'Flatten',
  stem: 'reshape',
  inputs: { min: 1, max: 1 },
  outputs: { min: 1, max: 1 },
  attrs: { axis: { type: 'int', default: 1 } },
  inferShape(node, inputs): OutputInfo[] {
    const x = req(node, inputs, 0);
    const r = x.shape.length;
    let axis = node.attrs.axis === undefined ? 1 : (node.attrs.axis as number);
    if (axis < -r || axis > r)
      throw new ShapeError(node.name, node.op, `axis ${axis} is out of range for rank ${r}`);
    if (axis < 0) axis += r;
    const shape = [groupDim(node, x.shape.slice(0, axis), 0), groupDim(node, x.shape.slice(axis), 1)];
    return [{ dtype: x.dtype, shape }];
  },
};

/** Squeeze/Unsqueeze axes: attribute before opset 13, input from 13 (must be constant). */
function axesOf(node: Node, inputs: (ValueInfo | undefined)[]): number[] | undefined {
  if (node.attrs.axes !== undefined) return node.attrs.axes as number[];
  const a = inputs[1];
  if (!a) return undefined;
  checkIntInput(node, a, 'axes');
  const v = constInts(a);
  if (!v) throw new ShapeError(node.name, node.op, 'the axes input must be a constant');
  return v;
}

export const Squeeze: OpDef = {
  op: 'Squeeze',
  stem: 'reshape',
  inputs: { min: 1, max: 2 },
  outputs: { min: 1, max: 1 },
  attrs: { axes: { type: 'ints', optional: true } },
  inferShape(node, inputs): OutputInfo[] {
    const x = req(node, inputs, 0);
    const given = axesOf(node, inputs);
    // No axes: drop every dim of size 1 (symbolic dims are assumed not to be 1).
    if (!given) return [{ dtype: x.dtype, shape: x.shape.filter((d) => d !== 1) }];
    const axes = normAxes(node, given, x.shape.length);
    for (const a of axes) {
      const d = x.shape[a];
      if (typeof d === 'number' && d !== 1) {
        throw new ShapeError(
          node.name,
          node.op,
          `cannot squeeze axis ${a} of ${fmt(x.shape)}: its size is ${d}`,
        );
      }
    }
    return [{ dtype: x.dtype, shape: x.shape.filter((_, i) => !axes.includes(i)) }];
  },
};

export const Unsqueeze: OpDef = {
  op: 'Unsqueeze',
  stem: 'reshape',
  inputs: { min: 1, max: 2 },
  outputs: { min: 1, max: 1 },
  attrs: { axes: { type: 'ints', optional: true } },
  inferShape(node, inputs): OutputInfo[] {
    const x = req(node, inputs, 0);
    const given = axesOf(node, inputs);
    if (!given) throw new ShapeError(node.name, node.op, 'axes are required (attribute or input)');
    const rank = x.shape.length + given.length;
    const axes = normAxes(node, given, rank);
    const rest = [...x.shape];
    const shape = Array.from({ length: rank }, (_, i) => (axes.includes(i) ? 1 : (rest.shift() as Dim)));
    return [{ dtype: x.dtype, shape }];
  },
};
