import { Tensor } from '../../src/engine/tensor.js';
import { GraphValidationError, ShapeError } from '../../src/errors.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import type { Attrs, Graph } from '../../src/graph/ir.js';
import type { OpType } from '../../src/graph/op-types.js';
import type { Rng } from '../../src/util/random.js';

/**
 * Seeded random graphs for the differential fuzz (test/conformance/fuzz-vs-ort.test.ts and
 * scripts/fuzz-ops.ts): one op with random attributes and shapes, or a small block of the field
 * (conv + BN + activation, residual, ASPP, resize heads, depthwise-separable, GCN, deconv, SE), so
 * the backends' fusions run too. Each is run by onnxruntime-web and by every atrous backend.
 *
 * Left out where onnxruntime and the ONNX spec disagree (atrous follows the spec there):
 * - MaxPool SAME_* with dilations: onnxruntime pads for the undilated kernel (fewer outputs);
 * - SAME_* pools with ceil_mode: onnxruntime's shape inference adds an output;
 * - Slice ends of INT_MAX with a negative step: onnxruntime reads 'to the start', the spec clamps
 *   it to the last index (an empty slice);
 * - reductions and ArgMax of empty tensors: onnxruntime keeps the input shape;
 * - nearest rounding (round_prefer_*) with sizes under asymmetric or tf_half_pixel_for_nn: where
 *   x / (out / in) is exactly k + 0.5, atrous computes it in float32 as onnxruntime's source does
 *   (a hair below the tie: 7 -> 4 maps output 2 to 3.4999998, so index 3) while onnxruntime-web
 *   1.30 lands on the tie (index 4): 5 of 209 size pairs up to 12 -> 20 (floor and ceil agree).
 */
export interface FuzzCase {
  graph: Graph;
  /** What was drawn, for the failure message. */
  desc: string;
}

export type FuzzGenerator = (r: Rng, options: FuzzOptions) => FuzzCase;

export interface FuzzOptions {
  /** Sometimes make one input axis 0 long (empty tensors). */
  zero?: boolean;
}

const pick = <T>(r: Rng, xs: readonly T[]): T => xs[r.int(0, xs.length - 1)] as T;
const ints = (r: Rng, n: number, lo: number, hi: number) => Array.from({ length: n }, () => r.int(lo, hi));
const chance = (r: Rng, p: number) => r.next() < p;

/** Input dims, one axis emptied half the time when asked. */
function maybeEmpty(r: Rng, dims: number[], o: FuzzOptions): number[] {
  if (!o.zero || !chance(r, 0.5)) return dims;
  const at = r.int(0, dims.length - 1);
  return dims.map((d, i) => (i === at ? 0 : d));
}

function single(
  op: OpType,
  r: Rng,
  o: FuzzOptions,
  dims: number[],
  attrs: Attrs,
  extra: (b: GraphBuilder) => string[] = () => [],
  opset = 17,
): FuzzCase {
  const b = new GraphBuilder('fuzz', { opset, seed: r.int(1, 1e6) });
  const inDims = maybeEmpty(r, dims, o);
  b.output(b.op(op, [b.input('x', inDims), ...extra(b)], attrs));
  return { graph: b.build(), desc: `${op} x=[${inDims}] ${JSON.stringify(attrs)}` };
}

const autoPad = (r: Rng) =>
  pick(r, ['NOTSET', 'NOTSET', 'NOTSET', 'SAME_UPPER', 'SAME_LOWER', 'VALID'] as const);

function conv(r: Rng, o: FuzzOptions): FuzzCase {
  const depthwise = chance(r, 0.25);
  const g = pick(r, [1, 1, 1, 2, 3]);
  const C = depthwise ? r.int(1, 9) : g * r.int(1, 4);
  const group = depthwise ? C : g;
  const M = depthwise ? C * r.int(1, 2) : group * r.int(1, 4);
  const k = [r.int(1, 5), r.int(1, 5)] as [number, number];
  const attrs: Attrs = { kernel_shape: k };
  if (chance(r, 0.6)) attrs.strides = ints(r, 2, 1, 3);
  const ap = autoPad(r);
  // onnxruntime's CPU Conv has no SAME_* with dilations.
  if (ap === 'NOTSET' || ap === 'VALID') {
    if (chance(r, 0.5)) attrs.dilations = ints(r, 2, 1, 3);
  }
  if (ap !== 'NOTSET') attrs.auto_pad = ap;
  else if (chance(r, 0.7)) attrs.pads = ints(r, 4, 0, 3);
  if (group > 1) attrs.group = group;
  const bias = chance(r, 0.6);
  return single('Conv', r, o, [r.int(1, 2), C, r.int(1, 13), r.int(1, 13)], attrs, (b) => [
    b.param('w', [M, C / group, ...k]),
    ...(bias ? [b.param('b', [M])] : []),
  ]);
}

function convTranspose(r: Rng, o: FuzzOptions): FuzzCase {
  const group = pick(r, [1, 1, 2]);
  const C = group * r.int(1, 4);
  const M = group * r.int(1, 3);
  const k = [r.int(1, 5), r.int(1, 5)] as [number, number];
  const s = ints(r, 2, 1, 3) as [number, number];
  const d = chance(r, 0.3) ? (ints(r, 2, 1, 2) as [number, number]) : ([1, 1] as [number, number]);
  const attrs: Attrs = { kernel_shape: k, strides: s };
  if (d[0] !== 1 || d[1] !== 1) attrs.dilations = d;
  const ap = autoPad(r);
  if (ap !== 'NOTSET') attrs.auto_pad = ap;
  else if (chance(r, 0.7)) attrs.pads = ints(r, 4, 0, 2);
  if (chance(r, 0.3))
    attrs.output_padding = [r.int(0, Math.max(s[0], d[0]) - 1), r.int(0, Math.max(s[1], d[1]) - 1)];
  if (group > 1) attrs.group = group;
  const dims = [1, C, r.int(1, 9), r.int(1, 9)];
  if (chance(r, 0.15)) {
    delete attrs.pads;
    delete attrs.auto_pad;
    attrs.output_shape = [
      (dims[2] as number) * s[0] + r.int(-1, 1),
      (dims[3] as number) * s[1] + r.int(-1, 1),
    ];
  }
  const bias = chance(r, 0.5);
  return single('ConvTranspose', r, o, dims, attrs, (b) => [
    b.param('w', [C, M / group, ...k]),
    ...(bias ? [b.param('b', [M])] : []),
  ]);
}

function pool(op: 'MaxPool' | 'AveragePool', r: Rng, o: FuzzOptions): FuzzCase {
  const k = [r.int(1, 4), r.int(1, 4)] as [number, number];
  const attrs: Attrs = { kernel_shape: k };
  if (chance(r, 0.6)) attrs.strides = ints(r, 2, 1, 3);
  const ap = autoPad(r);
  if (ap !== 'NOTSET') attrs.auto_pad = ap;
  else if (chance(r, 0.6))
    attrs.pads = [r.int(0, k[0] - 1), r.int(0, k[1] - 1), r.int(0, k[0] - 1), r.int(0, k[1] - 1)];
  const same = ap === 'SAME_UPPER' || ap === 'SAME_LOWER';
  if (!same && chance(r, 0.3)) attrs.ceil_mode = 1;
  if (op === 'AveragePool' && chance(r, 0.4)) attrs.count_include_pad = 1;
  if (op === 'MaxPool' && !same && chance(r, 0.3)) attrs.dilations = ints(r, 2, 1, 2);
  return single(op, r, o, [r.int(1, 2), r.int(1, 6), r.int(1, 12), r.int(1, 12)], attrs);
}

/** Nearest and linear in every coordinate mode (cubic, tf_crop_and_resize and opset 19 are not implemented). */
function resize(r: Rng, o: FuzzOptions): FuzzCase {
  const opset = pick(r, [11, 13, 18]);
  const mode = pick(r, ['nearest', 'linear'] as const);
  const coords = ['half_pixel', 'align_corners', 'asymmetric', 'pytorch_half_pixel', 'tf_half_pixel_for_nn'];
  const coord = pick(r, coords);
  const attrs: Attrs = { mode, coordinate_transformation_mode: coord };
  const dims = [r.int(1, 2), r.int(1, 5), r.int(1, 9), r.int(1, 9)];
  const bySizes = chance(r, 0.5);
  // Rounding ties of asymmetric / tf_half_pixel_for_nn with sizes: see the note at the top.
  const tieProne = bySizes && (coord === 'asymmetric' || coord === 'tf_half_pixel_for_nn');
  const rounding = ['round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil'];
  if (mode === 'nearest') attrs.nearest_mode = pick(r, tieProne ? rounding.slice(2) : rounding);
  const sizes = dims.map((d, i) => (i < 2 ? d : r.int(1, 20)));
  const scales = dims.map((_, i) => (i < 2 ? 1 : pick(r, [0.5, 0.75, 1, 1.5, 2, 2.5, 3, 4, 8, 1 / 3])));
  const extra = (b: GraphBuilder) => {
    const empty = (name: string) => b.constant(name, Tensor.fromNumbers('float32', [0], []));
    const roi = opset >= 13 ? '' : empty('roi');
    if (bySizes) return [roi, opset >= 13 ? '' : empty('scales'), b.ints('sizes', sizes)];
    return [roi, b.constant('scales', Tensor.fromNumbers('float32', [4], scales))];
  };
  const c = single('Resize', r, o, dims, attrs, extra, opset);
  return { ...c, desc: `${c.desc} opset ${opset} ${bySizes ? `sizes [${sizes}]` : `scales [${scales}]`}` };
}

function pad(r: Rng, o: FuzzOptions): FuzzCase {
  const mode = pick(r, ['constant', 'reflect', 'edge'] as const);
  const dims = [1, r.int(1, 4), r.int(1, 9), r.int(1, 9)];
  const pads = [0, 0, r.int(-2, 3), r.int(-2, 3), 0, 0, r.int(-2, 3), r.int(-2, 3)];
  if (chance(r, 0.2)) {
    pads[1] = r.int(0, 2);
    pads[5] = r.int(0, 2);
  }
  const value = mode === 'constant' && chance(r, 0.5) ? r.uniform(-2, 2) : undefined;
  const c = single('Pad', r, o, dims, { mode }, (b) => [
    b.ints('pads', pads),
    ...(value === undefined ? [] : [b.constant('v', Tensor.fromNumbers('float32', [], [value]))]),
  ]);
  return { ...c, desc: `${c.desc} pads [${pads}]` };
}

function slice(r: Rng, o: FuzzOptions): FuzzCase {
  const dims = [1, r.int(1, 6), r.int(1, 9), r.int(1, 9)];
  const axes = [1, 2, 3].filter(() => chance(r, 0.6));
  if (axes.length === 0) axes.push(2);
  const starts = axes.map(() => r.int(-10, 10));
  const steps = axes.map(() => pick(r, [1, 1, 2, 3, -1, -2]));
  const ends = steps.map((st) => pick(r, [r.int(-10, 10), st > 0 ? 2147483647 : -2147483648]));
  const c = single('Slice', r, o, dims, {}, (b) => [
    b.ints('s', starts),
    b.ints('e', ends),
    b.ints('a', axes),
    b.ints('st', steps),
  ]);
  return { ...c, desc: `${c.desc} starts [${starts}] ends [${ends}] axes [${axes}] steps [${steps}]` };
}

function reduce(op: OpType, r: Rng): FuzzCase {
  const rank = r.int(1, 4);
  const dims = ints(r, rank, 1, 6);
  const axes = [...Array(rank).keys()]
    .filter(() => chance(r, 0.5))
    .map((a) => (chance(r, 0.3) ? a - rank : a));
  const attrs: Attrs = { keepdims: r.int(0, 1) };
  if (axes.length) attrs.axes = axes;
  return single(op, r, {}, dims, attrs, () => [], 13);
}

function binary(op: OpType, r: Rng, o: FuzzOptions): FuzzCase {
  const rank = r.int(1, 5);
  const a = ints(r, rank, 1, 5);
  const rankB = r.int(0, rank);
  const bd = a.slice(rank - rankB).map((d) => (chance(r, 0.4) ? 1 : d));
  const n = bd.reduce((x, y) => x * y, 1);
  // Divisors away from 0.
  const values = op === 'Div' ? Array.from({ length: n }, () => r.uniform(0.5, 2)) : undefined;
  return single(op, r, o, a, {}, (b) => [b.param('b', bd, values)]);
}

const OPS: Record<string, FuzzGenerator> = {
  Conv: conv,
  ConvTranspose: convTranspose,
  MaxPool: (r, o) => pool('MaxPool', r, o),
  AveragePool: (r, o) => pool('AveragePool', r, o),
  GlobalAveragePool: (r, o) =>
    single('GlobalAveragePool', r, o, [r.int(1, 2), r.int(1, 9), r.int(1, 17), r.int(1, 17)], {}),
  Resize: resize,
  Pad: pad,
  Slice: slice,
  Softmax: (r, o) =>
    single('Softmax', r, o, [r.int(1, 2), r.int(1, 9), r.int(1, 7), r.int(1, 7)], { axis: r.int(-4, 3) }),
  ArgMax: (r) =>
    single('ArgMax', r, {}, [r.int(1, 2), r.int(1, 9), r.int(1, 7), r.int(1, 7)], {
      axis: r.int(-4, 3),
      keepdims: r.int(0, 1),
      select_last_index: r.int(0, 1),
    }),
  Transpose: (r, o) => {
    const rank = r.int(1, 6);
    const perm = [...Array(rank).keys()];
    for (let i = rank - 1; i > 0; i--) {
      const j = r.int(0, i);
      [perm[i], perm[j]] = [perm[j] as number, perm[i] as number];
    }
    return single('Transpose', r, o, ints(r, rank, 1, 4), { perm });
  },
  ReduceMean: (r) => reduce('ReduceMean', r),
  ReduceMax: (r) => reduce('ReduceMax', r),
  Concat: (r, o) => {
    const rank = r.int(1, 4);
    const dims = ints(r, rank, 1, 4);
    const axis = r.int(-rank, rank - 1);
    const other = [...dims];
    other[(axis + rank) % rank] = r.int(1, 4);
    return single('Concat', r, o, dims, { axis }, (b) => [b.param('c', other)]);
  },
  Gemm: (r) => {
    const M = r.int(1, 6);
    const K = r.int(1, 9);
    const N = r.int(1, 7);
    const transA = r.int(0, 1);
    const transB = r.int(0, 1);
    const attrs: Attrs = { transA, transB, alpha: pick(r, [1, 0.5, 2]), beta: pick(r, [1, 0, 0.5]) };
    const cShape = pick(r, [[N], [M, N], [1, N], [M, 1], []]);
    const withC = chance(r, 0.7);
    return single('Gemm', r, {}, transA ? [K, M] : [M, K], attrs, (b) => [
      b.param('B', transB ? [N, K] : [K, N]),
      ...(withC ? [b.param('C', cShape)] : []),
    ]);
  },
  MatMul: (r) => {
    const batch = pick(r, [[], [2], [1, 3], [2, 1]]);
    const bBatch = pick(r, [[], batch, batch.map(() => 1)]);
    const [M, K, N] = [r.int(1, 6), r.int(1, 9), r.int(1, 7)];
    return single('MatMul', r, {}, [...batch, M, K], {}, (b) => [b.param('B', [...bBatch, K, N])]);
  },
  Add: (r, o) => binary('Add', r, o),
  Mul: (r, o) => binary('Mul', r, o),
  Div: (r, o) => binary('Div', r, o),
  Sub: (r, o) => binary('Sub', r, o),
  // Forms that changed between opsets 11 and 18 (attribute vs input, new attributes).
  // Below opset 13 Softmax flattens from its axis on: in the IR that is coerce_2d = 1 (what the
  // importer writes); a softmax over one axis can only be written there over the last one.
  SoftmaxOpset11: (r, o) => {
    const attrs: Attrs = chance(r, 0.5) ? { axis: r.int(-4, 3), coerce_2d: 1 } : { axis: -1 };
    return single('Softmax', r, o, [r.int(1, 2), r.int(1, 6), r.int(1, 5), r.int(1, 5)], attrs, () => [], 11);
  },
  ReduceOpset18: (r) => {
    const rank = r.int(1, 4);
    const dims = ints(r, rank, 1, 5);
    const axes = [...Array(rank).keys()].filter(() => chance(r, 0.5));
    const op = pick(r, ['ReduceMean', 'ReduceMax'] as const);
    const attrs: Attrs = { keepdims: r.int(0, 1), ...(chance(r, 0.3) ? { noop_with_empty_axes: 1 } : {}) };
    return single(
      op,
      r,
      {},
      dims,
      attrs,
      (b) => (axes.length || chance(r, 0.5) ? [b.ints('axes', axes)] : []),
      18,
    );
  },
  SplitOpset18: (r, o) => {
    const dims = [1, r.int(2, 9), r.int(1, 4), r.int(1, 4)];
    const axis = r.int(1, 3);
    const n = r.int(1, Math.min(4, dims[axis] as number));
    const b = new GraphBuilder('fuzz', { opset: 18, seed: r.int(1, 1e6) });
    const inDims = maybeEmpty(r, dims, o).map((d, i) => (i === axis ? (dims[axis] as number) : d));
    b.output(...b.ops('Split', [b.input('x', inDims)], { axis, num_outputs: n }, n));
    return { graph: b.build(), desc: `Split opset 18 x=[${inDims}] axis ${axis} num_outputs ${n}` };
  },
  Clip: (r, o) => {
    const lo = chance(r, 0.7) ? r.uniform(-1, 0) : undefined;
    const hi = chance(r, 0.7) ? r.uniform(0, 1) : undefined;
    return single('Clip', r, o, [r.int(1, 2), r.int(1, 5), r.int(1, 5)], {}, (b) => [
      lo === undefined ? '' : b.param('lo', [], [lo]),
      ...(hi === undefined ? [] : [b.param('hi', [], [hi])]),
    ]);
  },
  SqueezeOpset11: (r, o) => {
    const dims = [1, r.int(1, 4), 1, r.int(1, 4)];
    const b = new GraphBuilder('fuzz', { opset: 11, seed: r.int(1, 1e6) });
    const inDims = maybeEmpty(r, dims, o);
    const x = b.input('x', inDims);
    const sq = b.op('Squeeze', [x], { axes: pick(r, [[0], [2], [0, 2], [-2]]) });
    b.output(b.op('Unsqueeze', [sq], { axes: pick(r, [[0], [1], [0, 3]]) }));
    return { graph: b.build(), desc: `Squeeze/Unsqueeze opset 11 x=[${inDims}]` };
  },
  PRelu: (r, o) => {
    const dims = [r.int(1, 2), r.int(1, 6), r.int(1, 6), r.int(1, 6)];
    const slope = pick(r, [[dims[1] as number, 1, 1], [1], [dims[3] as number]]);
    return single('PRelu', r, o, dims, {}, (b) => [b.param('slope', slope)]);
  },
  Split: (r, o) => {
    const dims = [1, r.int(2, 8), r.int(1, 5), r.int(1, 5)];
    const axis = r.int(-4, 3);
    const n = dims[(axis + 4) % 4] as number;
    const b = new GraphBuilder('fuzz', { opset: 13, seed: r.int(1, 1e6) });
    const x = b.input('x', maybeEmpty(r, dims, o));
    const first = r.int(0, n);
    const outs = chance(r, 0.5)
      ? b.ops('Split', [x, b.ints('split', [first, n - first])], { axis }, 2)
      : b.ops('Split', [x], { axis }, r.int(1, 2));
    b.output(...outs);
    return { graph: b.build(), desc: `Split x=[${dims}] axis ${axis} into ${outs.length}` };
  },
  Gather: (r, o) => {
    const dims = [r.int(1, 3), r.int(1, 6), r.int(1, 5)];
    const axis = r.int(-3, 2);
    const n = dims[(axis + 3) % 3] as number;
    const idx = pick(r, [[], [2], [2, 2]]);
    const values = Array.from({ length: idx.reduce((a, d) => a * d, 1) }, () => r.int(-n, n - 1));
    return single('Gather', r, o, dims, { axis }, (b) => [b.ints('i', values, idx)]);
  },
  Expand: (r, o) => {
    const dims = [r.int(1, 3), 1, r.int(1, 4), 1];
    const shape = [
      pick(r, [1, dims[0] as number]),
      r.int(1, 4),
      pick(r, [1, dims[2] as number]),
      r.int(1, 4),
    ];
    return single('Expand', r, o, dims, {}, (b) => [
      b.ints('shape', chance(r, 0.3) ? [r.int(1, 3), ...shape] : shape),
    ]);
  },
  Upsample: (r, o) => {
    const mode = pick(r, ['nearest', 'linear']);
    const scales = [1, 1, pick(r, [1, 2, 3, 1.5]), pick(r, [1, 2, 4, 2.5])];
    return single(
      'Upsample',
      r,
      o,
      [1, r.int(1, 4), r.int(1, 6), r.int(1, 6)],
      { mode },
      (b) => [b.constant('scales', Tensor.fromNumbers('float32', [4], scales))],
      9,
    );
  },
  Reshapes: (r, o) => {
    const dims = [r.int(1, 2), r.int(1, 6), r.int(1, 4), r.int(1, 4)];
    const b = new GraphBuilder('fuzz', { opset: 13, seed: r.int(1, 1e6) });
    const inDims = maybeEmpty(r, dims, o);
    const x = b.input('x', inDims);
    const flat = b.op('Flatten', [x], { axis: r.int(0, 4) });
    const back = b.op('Reshape', [flat, b.ints('shape', [0, -1])]);
    const unsq = b.op('Unsqueeze', [back, b.ints('ax', [r.int(0, 2)])]);
    const perm = chance(r, 0.5) ? [2, 0, 1] : [1, 2, 0];
    const t = b.op('Transpose', [unsq], { perm });
    const act = b.op(pick(r, ['Relu', 'Sigmoid', 'Tanh'] as const), [t]);
    b.output(act, b.op('Squeeze', [unsq]));
    return {
      graph: b.build(),
      desc: `Flatten/Reshape/Unsqueeze/Transpose/Squeeze x=[${inDims}] perm ${perm}`,
    };
  },
  BatchNormalization: (r, o) => {
    const C = r.int(1, 9);
    const variance = Array.from({ length: C }, () => r.uniform(0.1, 2));
    return single(
      'BatchNormalization',
      r,
      o,
      [r.int(1, 2), C, r.int(1, 7), r.int(1, 7)],
      { epsilon: pick(r, [1e-5, 1e-3]) },
      (b) => [b.param('s', [C]), b.param('bb', [C]), b.param('m', [C]), b.param('v', [C], variance)],
    );
  },
};

// Blocks of the field, built from the ops above.

const ACTIVATIONS: [OpType, Attrs][] = [
  ['Relu', {}],
  ['Clip', {}],
  ['LeakyRelu', { alpha: 0.1 }],
  ['Sigmoid', {}],
  ['HardSwish', {}],
  ['HardSigmoid', { alpha: 0.2, beta: 0.5 }],
  ['Tanh', {}],
];

class Block {
  private id = 0;
  constructor(
    readonly b: GraphBuilder,
    readonly r: Rng,
  ) {}

  private name(prefix: string): string {
    return `${prefix}${this.id++}`;
  }

  act(x: string): string {
    const [op, attrs] = pick(this.r, ACTIVATIONS);
    if (op !== 'Clip') return this.b.op(op, [x], attrs);
    return this.b.op('Clip', [
      x,
      this.b.param(this.name('lo'), [], [0]),
      this.b.param(this.name('hi'), [], [6]),
    ]);
  }

  conv(x: string, C: number, M: number, k: [number, number], attrs: Attrs = {}, group = 1): string {
    const ins = [x, this.b.param(this.name('w'), [M, C / group, ...k])];
    if (chance(this.r, 0.7)) ins.push(this.b.param(this.name('b'), [M]));
    return this.b.op('Conv', ins, { kernel_shape: k, ...(group > 1 ? { group } : {}), ...attrs });
  }

  bn(x: string, C: number): string {
    const variance = Array.from({ length: C }, () => this.r.uniform(0.2, 2));
    return this.b.op('BatchNormalization', [
      x,
      this.b.param(this.name('s'), [C]),
      this.b.param(this.name('o'), [C]),
      this.b.param(this.name('m'), [C]),
      this.b.param(this.name('v'), [C], variance),
    ]);
  }
}

function block(
  name: string,
  r: Rng,
  o: FuzzOptions,
  dims: number[],
  body: (k: Block, x: string) => string[],
): FuzzCase {
  const b = new GraphBuilder(name, { seed: r.int(1, 1e6) });
  const inDims = maybeEmpty(r, dims, o);
  b.output(...body(new Block(b, r), b.input('x', inDims)));
  return { graph: b.build(), desc: `${name} x=[${inDims}]` };
}

const same = (k: number, d = 1) => {
  const p = ((k - 1) * d) >> 1;
  return [p, p, p, p];
};

const BLOCKS: Record<string, FuzzGenerator> = {
  // Channel counts past one tile of output channels (conv_gemm's CBK blocks of 4 × CBK), odd rests.
  WideConv: (r, o) => {
    const [C, M] = [r.int(1, 70), r.int(1, 70)];
    const k = pick(r, [
      [1, 1],
      [3, 3],
      [1, 3],
      [5, 5],
    ] as [number, number][]);
    const d = r.int(1, 4);
    const pads = [((k[0] - 1) * d) >> 1, ((k[1] - 1) * d) >> 1, ((k[0] - 1) * d) >> 1, ((k[1] - 1) * d) >> 1];
    const size = pick(r, [1, 2, 3, 7, 16, 24]);
    return block('WideConv', r, o, [1, C, size, r.int(1, 24)], (b, x) => [
      b.act(b.conv(x, C, M, k, { dilations: [d, d], pads, strides: [r.int(1, 2), r.int(1, 2)] })),
    ]);
  },
  WideDepthwise: (r, o) => {
    const [C, kk, s, d] = [r.int(1, 80), pick(r, [3, 5, 7]), r.int(1, 2), r.int(1, 3)];
    return block('WideDepthwise', r, o, [1, C, r.int(1, 20), r.int(1, 20)], (b, x) => [
      b.act(b.conv(x, C, C, [kk, kk], { pads: same(kk, d), dilations: [d, d], strides: [s, s] }, C)),
    ]);
  },

  ConvBnAct: (r, o) => {
    const [C, M] = [r.int(1, 9), r.int(1, 12)];
    const k = pick(r, [
      [1, 1],
      [3, 3],
      [5, 5],
      [3, 1],
      [1, 7],
    ] as [number, number][]);
    const d = r.int(1, 3);
    const pads = [((k[0] - 1) * d) >> 1, ((k[1] - 1) * d) >> 1, ((k[0] - 1) * d) >> 1, ((k[1] - 1) * d) >> 1];
    const strides = [r.int(1, 2), r.int(1, 2)];
    return block('ConvBnAct', r, o, [1, C, r.int(1, 17), r.int(1, 17)], (k2, x) => [
      k2.act(k2.bn(k2.conv(x, C, M, k, { dilations: [d, d], pads, strides }), M)),
    ]);
  },
  Residual: (r, o) => {
    const C = r.int(1, 9);
    return block('Residual', r, o, [1, C, r.int(2, 14), r.int(2, 14)], (k, x) => {
      const y = k.conv(k.act(k.conv(x, C, C, [3, 3], { pads: same(3) })), C, C, [3, 3], { pads: same(3) });
      const sum = chance(r, 0.5) ? k.b.op('Add', [y, x]) : k.b.op('Add', [x, y]);
      return [chance(r, 0.7) ? k.act(sum) : sum];
    });
  },
  Aspp: (r, o) => {
    const [C, M, H, W] = [r.int(1, 8), r.int(1, 6), r.int(3, 20), r.int(3, 20)];
    return block('Aspp', r, o, [1, C, H, W], (k, x) => {
      const branches = [k.act(k.conv(x, C, M, [1, 1]))];
      for (const rate of [r.int(1, 6), r.int(1, 6), r.int(1, 6)]) {
        branches.push(
          k.act(k.bn(k.conv(x, C, M, [3, 3], { dilations: [rate, rate], pads: same(3, rate) }), M)),
        );
      }
      if (chance(r, 0.6)) {
        const pooled = k.act(k.conv(k.b.op('GlobalAveragePool', [x]), C, M, [1, 1]));
        const size = k.b.ints(`size${r.int(0, 1e9)}`, [1, M, H, W]);
        branches.push(k.b.op('Resize', [pooled, '', '', size], { mode: pick(r, ['linear', 'nearest']) }));
      }
      return [k.conv(k.b.op('Concat', branches, { axis: 1 }), M * branches.length, r.int(1, 5), [1, 1])];
    });
  },
  Head: (r, o) => {
    const C = r.int(2, 9);
    return block('Head', r, o, [r.int(1, 2), C, r.int(1, 9), r.int(1, 9)], (k, x) => {
      const mode = pick(r, ['linear', 'nearest']);
      const coord = pick(r, ['half_pixel', 'align_corners', 'asymmetric', 'pytorch_half_pixel']);
      const s = pick(r, [2, 4, 8, 3, 2.5]);
      const scales = k.b.param(`s${r.int(0, 1e9)}`, [4], [1, 1, s, s]);
      const up = k.b.op('Resize', [x, '', scales], { mode, coordinate_transformation_mode: coord });
      switch (r.int(0, 3)) {
        case 0:
          return [k.b.op('Softmax', [up], { axis: 1 })];
        case 1:
          return [k.b.op('ArgMax', [up], { axis: 1, keepdims: r.int(0, 1) })];
        case 2:
          return [k.b.op('ArgMax', [k.b.op('Softmax', [up], { axis: 1 })], { axis: 1 })];
        default:
          return [up];
      }
    });
  },
  DepthwiseSeparable: (r, o) => {
    const [C, M, kk, d, s] = [r.int(1, 12), r.int(1, 12), pick(r, [3, 5]), r.int(1, 2), r.int(1, 2)];
    return block('DepthwiseSeparable', r, o, [1, C, r.int(1, 16), r.int(1, 16)], (k, x) => {
      const dw = k.conv(x, C, C, [kk, kk], { pads: same(kk, d), dilations: [d, d], strides: [s, s] }, C);
      return [k.bn(k.conv(k.act(k.bn(dw, C)), C, M, [1, 1]), M)];
    });
  },
  Gcn: (r, o) => {
    const [C, M, kk] = [r.int(1, 8), r.int(1, 6), pick(r, [3, 5, 7, 9, 15])];
    const p = (kk - 1) >> 1;
    return block('Gcn', r, o, [1, C, r.int(1, 16), r.int(1, 16)], (k, x) => {
      const left = k.conv(k.conv(x, C, M, [kk, 1], { pads: [p, 0, p, 0] }), M, M, [1, kk], {
        pads: [0, p, 0, p],
      });
      const right = k.conv(k.conv(x, C, M, [1, kk], { pads: [0, p, 0, p] }), M, M, [kk, 1], {
        pads: [p, 0, p, 0],
      });
      const g = k.b.op('Add', [left, right]);
      // The boundary-refinement block: g + conv(relu(conv(g))).
      const inner = k.b.op('Relu', [k.conv(g, M, M, [3, 3], { pads: same(3) })]);
      return [k.b.op('Add', [g, k.conv(inner, M, M, [3, 3], { pads: same(3) })])];
    });
  },
  DeconvBnAct: (r, o) => {
    const [C, M, kk, s] = [r.int(1, 8), r.int(1, 8), pick(r, [2, 3, 4, 8, 16]), pick(r, [1, 2, 4, 8])];
    const p = Math.max(0, (kk - s) >> 1);
    const bias = chance(r, 0.5);
    return block('DeconvBnAct', r, o, [1, C, r.int(1, 9), r.int(1, 9)], (k, x) => {
      const w = [
        k.b.param(`w${r.int(0, 1e9)}`, [C, M, kk, kk]),
        ...(bias ? [k.b.param(`b${r.int(0, 1e9)}`, [M])] : []),
      ];
      const y = k.b.op('ConvTranspose', [x, ...w], {
        kernel_shape: [kk, kk],
        strides: [s, s],
        pads: [p, p, p, p],
      });
      return [k.act(k.bn(y, M))];
    });
  },
  SqueezeExcite: (r, o) => {
    const [C, R] = [r.int(1, 16), r.int(1, 8)];
    return block('SqueezeExcite', r, o, [1, C, r.int(1, 12), r.int(1, 12)], (k, x) => {
      const squeezed = k.b.op('Relu', [k.conv(k.b.op('GlobalAveragePool', [x]), C, R, [1, 1])]);
      const gate = k.b.op('HardSigmoid', [k.conv(squeezed, R, C, [1, 1])], { alpha: 1 / 6, beta: 0.5 });
      const y = k.b.op('Mul', [x, gate]);
      // Hardswish as exporters write it: x * HardSigmoid(x).
      return [k.b.op('Mul', [y, k.b.op('HardSigmoid', [y], { alpha: 1 / 6, beta: 0.5 })])];
    });
  },
};

/**
 * One draw of `generate`, or undefined where the drawn graph is invalid and GraphBuilder refused it
 * (a ShapeError or GraphValidationError: a kernel larger than an empty axis, pads that leave no
 * output): random draws make such graphs, and refusing them is right.
 */
export function drawFuzzCase(generate: FuzzGenerator, r: Rng, options: FuzzOptions): FuzzCase | undefined {
  try {
    return generate(r, options);
  } catch (e) {
    // A generator that draws what atrous does not implement (an op or attribute value) is wrong:
    // that escapes too, so the fuzz never skips a feature silently.
    if (e instanceof ShapeError || e instanceof GraphValidationError) return undefined;
    throw e;
  }
}

/** Every generator by name: single ops first, then blocks. */
export const FUZZ_GENERATORS: Readonly<Record<string, FuzzGenerator>> = { ...OPS, ...BLOCKS };
