import { OPS } from '../../src/engine/ops/index.js';
import type { OutputInfo, ValueInfo } from '../../src/engine/ops/types.js';
import { Session } from '../../src/engine/session.js';
import { type DType, Tensor } from '../../src/engine/tensor.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import type { Attrs, Dim, Graph, Node } from '../../src/graph/ir.js';
import type { OpType } from '../../src/graph/op-types.js';
import { Rng } from '../../src/util/random.js';

/** Seeded float32 tensor, uniform in [lo, hi). */
export function rand(dims: number[], seed: number, lo = -1, hi = 1): Tensor<'float32'> {
  return new Tensor(
    'float32',
    dims,
    new Rng(seed).floats(
      dims.reduce((a, b) => a * b, 1),
      lo,
      hi,
    ),
  );
}

/** Seeded integer tensor of any dtype, uniform in [lo, hi]. */
export function randInt(dtype: DType, dims: number[], seed: number, lo = -9, hi = 9): Tensor {
  const rng = new Rng(seed);
  const n = dims.reduce((a, b) => a * b, 1);
  return Tensor.fromNumbers(
    dtype,
    dims,
    Array.from({ length: n }, () => rng.int(lo, hi)),
  );
}

/** Runs a graph on the ref backend without graph passes. */
export async function runRef(graph: Graph, feeds: Record<string, Tensor>): Promise<Record<string, Tensor>> {
  const s = await Session.create(graph, { backend: 'ref', optimize: false });
  const out = await s.run(feeds);
  s.release();
  return out;
}

/**
 * Runs one `op` node on the ref backend (no graph passes): `x` is the runtime input, `constants`
 * the following inputs as initializers (a trailing undefined is an omitted optional input).
 */
export async function runOp(
  op: OpType,
  x: Tensor,
  constants: (Tensor | undefined)[],
  attrs: Attrs,
): Promise<Tensor> {
  const g = new GraphBuilder(op);
  const inputs = [g.input('x', [...x.dims]), ...constants.map((t, i) => (t ? g.constant(`c${i}`, t) : ''))];
  while (inputs.at(-1) === '') inputs.pop();
  g.output(g.op(op, inputs, attrs));
  return Object.values(await runRef(g.build(), { x }))[0] as Tensor;
}

/** A bare node for calling an OpDef directly. */
export function node(op: OpType, nInputs: number, attrs: Attrs = {}, nOutputs = 1): Node {
  return {
    name: `${op.toLowerCase()}0`,
    op,
    inputs: Array.from({ length: nInputs }, (_, i) => `in${i}`),
    outputs: Array.from({ length: nOutputs }, (_, i) => `out${i}`),
    attrs,
  };
}

/** An input description for inferShape: a shape (float32 unless given), or a known tensor. */
export type InferInput = Dim[] | Tensor | { dtype: DType; shape: Dim[] } | undefined;

function info(x: InferInput): ValueInfo | undefined {
  if (x === undefined) return undefined;
  if (x instanceof Tensor) return { dtype: x.dtype, shape: [...x.dims], value: x };
  if (Array.isArray(x)) return { dtype: 'float32', shape: x };
  return x;
}

/** OPS[op].inferShape on a bare node. */
export function infer(op: OpType, inputs: InferInput[], attrs: Attrs = {}, nOutputs = 1): OutputInfo[] {
  return OPS[op].inferShape(node(op, inputs.length, attrs, nOutputs), inputs.map(info));
}

/** Shape of the first output of inferShape. */
export function inferShape(op: OpType, inputs: InferInput[], attrs: Attrs = {}): Dim[] {
  return infer(op, inputs, attrs)[0]?.shape ?? [];
}

/** int64 1-D tensor (shapes, axes, indices). */
export function i64(values: number[], dims: number[] = [values.length]): Tensor {
  return Tensor.fromNumbers('int64', dims, values);
}
