import { Tensor } from '../../engine/tensor.js';
import { ModelFormatError, UnsupportedAttributeError } from '../../errors.js';
import type { Attrs, Node } from '../ir.js';
import type { OpType } from '../op-types.js';
import { ACTIVATION_NAMES, Activation } from './tflite-enums.js';
import type { TflModel, TflOperator, TflSubgraph, TflTensor } from './tflite-schema.js';
import { checkTensor, readConstant } from './tflite-tensors.js';

/** NHWC → NCHW and back, as Transpose perms. */
export const TO_NCHW = [0, 3, 1, 2];
export const TO_NHWC = [0, 2, 3, 1];
/** NCHW position of each NHWC axis (N→0, H→2, W→3, C→1). */
export const NHWC_AXIS_IN_NCHW = [0, 2, 3, 1];

export type Layout = 'nhwc' | 'nchw';

/** The atrous values holding one TFLite tensor: in the file's NHWC order, and/or as NCHW (rank 4). */
interface Held {
  nhwc?: string;
  nchw?: string;
}

/** Permutes a constant's data: out axis i = in axis perm[i]. */
export function permuteTensor(t: Tensor, perm: readonly number[]): Tensor {
  const dims = perm.map((p) => t.dims[p] as number);
  const inStrides = t.dims.map((_, i) => t.dims.slice(i + 1).reduce((a, d) => a * d, 1));
  const out = new Float32Array(t.size);
  const idx = new Array<number>(dims.length).fill(0);
  for (let o = 0; o < out.length; o++) {
    let src = 0;
    for (let i = 0; i < dims.length; i++)
      src += (idx[i] as number) * (inStrides[perm[i] as number] as number);
    out[o] = t.get(src);
    for (let i = dims.length - 1; i >= 0; i--) {
      idx[i] = (idx[i] as number) + 1;
      if ((idx[i] as number) < (dims[i] as number)) break;
      idx[i] = 0;
    }
  }
  return new Tensor('float32', dims, out);
}

/**
 * State of one import: which atrous value holds each TFLite tensor in which layout, the nodes and
 * initializers written so far. Layout changes are emitted lazily and cached, so a value converted
 * to NCHW once is reused by every consumer, and NCHW → NHWC → NCHW round trips never appear.
 */
export class TflContext {
  readonly nodes: Node[] = [];
  readonly initializers = new Map<string, Tensor>();
  private readonly held = new Map<number, Held>();
  private readonly folded = new Map<number, Tensor>();
  private readonly names: string[];
  private readonly used = new Set<string>();
  private readonly graphOutputs: Set<number>;
  /** The operator being converted (for error messages). */
  op: TflOperator | undefined;
  opName = '';

  constructor(
    readonly model: TflModel,
    readonly sg: TflSubgraph,
  ) {
    this.graphOutputs = new Set(sg.outputs);
    this.names = sg.tensors.map((t, i) => {
      let n = t.name || `tensor_${i}`;
      if (this.used.has(n)) n = `${n}_${i}`;
      this.used.add(n);
      return n;
    });
  }

  /** Node label for errors: the first output's tensor name. */
  get label(): string {
    const out = this.op?.outputs[0];
    return out !== undefined && out >= 0 ? this.nameOf(out) : `operator ${this.op?.index ?? '?'}`;
  }

  tensor(i: number): TflTensor {
    const t = this.sg.tensors[i];
    if (!t) {
      throw new ModelFormatError(
        `TFLite ${this.opName} (${this.label}) refers to tensor ${i}, but the subgraph has ${this.sg.tensors.length} tensors`,
      );
    }
    return t;
  }

  shape(i: number): number[] {
    return this.tensor(i).shape;
  }

  rank(i: number): number {
    return this.tensor(i).shape.length;
  }

  /** The shape of tensor i, which must be rank 4 (NHWC). */
  shape4(i: number): [number, number, number, number] {
    if (this.rank(i) !== 4) {
      throw new ModelFormatError(
        `TFLite ${this.opName} (${this.label}): tensor '${this.nameOf(i)}' has shape [${this.shape(i).join(', ')}], expected rank 4 (NHWC)`,
      );
    }
    return this.shape(i) as [number, number, number, number];
  }

  nameOf(i: number): string {
    return this.names[i] ?? `tensor_${i}`;
  }

  fresh(base: string): string {
    let n = base;
    for (let k = 1; this.used.has(n); k++) n = `${base}_${k}`;
    this.used.add(n);
    return n;
  }

  /** The tensor's constant value in NHWC order (buffer data, or a folded DEQUANTIZE), if any. */
  constant(i: number): Tensor | undefined {
    const f = this.folded.get(i);
    if (f) return f;
    const t = this.tensor(i);
    checkTensor(t, this.opName, this.label);
    return readConstant(t, this.model.buffers[t.buffer]);
  }

  setConstant(i: number, t: Tensor): void {
    this.folded.set(i, t);
  }

  /** Constant input `i`, or a typed error naming the op and the role when it is computed at runtime. */
  requireConstant(i: number, role: string): Tensor {
    const c = i >= 0 ? this.constant(i) : undefined;
    if (!c) {
      throw new UnsupportedAttributeError(
        this.label,
        this.opName,
        role,
        i < 0
          ? 'is missing'
          : `(tensor '${this.nameOf(i)}') must be a constant; computed ${role} is not supported`,
      );
    }
    return c;
  }

  /** A constant integer input (shape, perm, paddings, axes) as numbers. */
  constInts(i: number, role: string): number[] {
    const t = this.requireConstant(i, role);
    if (t.dtype !== 'int32' && t.dtype !== 'int64') {
      throw new ModelFormatError(
        `TFLite ${this.opName} (${this.label}): ${role} (tensor '${this.nameOf(i)}') must be an INT32 or INT64 constant, it is ${t.dtype}`,
      );
    }
    return Array.from({ length: t.size }, (_, k) => t.get(k));
  }

  /** Marks a graph input (its value is in NHWC, under its own name). */
  defineInput(i: number): string {
    checkTensor(this.tensor(i), 'input', this.nameOf(i));
    const name = this.nameOf(i);
    this.held.set(i, { nhwc: name });
    return name;
  }

  hasNchw(i: number): boolean {
    return this.held.get(i)?.nchw !== undefined;
  }

  /** The value of tensor i in the file's own (NHWC) element order. */
  nhwc(i: number): string {
    const h = this.held.get(i);
    if (h?.nhwc) return h.nhwc;
    if (h?.nchw) {
      const name = this.graphOutputs.has(i) ? this.nameOf(i) : this.fresh(`${this.nameOf(i)}/nhwc`);
      this.emit('Transpose', [h.nchw], { perm: TO_NHWC }, [name]);
      h.nhwc = name;
      return name;
    }
    const c = this.constant(i);
    if (!c) throw this.unwritten(i);
    const name = this.nameOf(i);
    this.initializers.set(name, c);
    this.held.set(i, { nhwc: name });
    return name;
  }

  /** The value of rank-4 tensor i as NCHW (a Transpose, or transposed constant data, when needed). */
  nchw(i: number): string {
    this.shape4(i);
    const h = this.held.get(i) ?? {};
    if (h.nchw) return h.nchw;
    const name = this.fresh(`${this.nameOf(i)}/nchw`);
    const c = this.constant(i);
    if (c?.dtype === 'float32') this.initializers.set(name, permuteTensor(c, TO_NCHW));
    else this.emit('Transpose', [h.nhwc ?? this.nhwc(i)], { perm: TO_NCHW }, [name]);
    this.held.set(i, { ...this.held.get(i), nchw: name });
    return name;
  }

  value(i: number, layout: Layout): string {
    return layout === 'nchw' ? this.nchw(i) : this.nhwc(i);
  }

  /** The name an op writes for output tensor i in `layout` (the tensor's own name when possible). */
  output(i: number, layout: Layout): string {
    checkTensor(this.tensor(i), this.opName, this.label);
    if (this.held.has(i)) throw new ModelFormatError(`TFLite tensor '${this.nameOf(i)}' is written twice`);
    const nchw = layout === 'nchw' && this.rank(i) === 4;
    const name = nchw && this.graphOutputs.has(i) ? this.fresh(`${this.nameOf(i)}/nchw`) : this.nameOf(i);
    this.held.set(i, nchw ? { nchw: name } : { nhwc: name });
    return name;
  }

  addInit(base: string, t: Tensor): string {
    const name = this.fresh(base);
    this.initializers.set(name, t);
    return name;
  }

  int64s(base: string, values: readonly number[]): string {
    return this.addInit(base, new Tensor('int64', [values.length], BigInt64Array.from(values.map(BigInt))));
  }

  scalar(base: string, v: number): string {
    return this.addInit(base, new Tensor('float32', [], Float32Array.of(v)));
  }

  emit(op: OpType, inputs: string[], attrs: Attrs, outputs: string[]): void {
    this.nodes.push({ name: outputs[0] as string, op, inputs, outputs, attrs });
  }

  /**
   * Emits `op` writing output tensor `out` (in `layout`), followed by the fused activation when
   * there is one (the op then writes an intermediate value).
   */
  emitWithActivation(
    op: OpType,
    inputs: string[],
    attrs: Attrs,
    out: number,
    layout: Layout,
    act: number,
  ): void {
    const y = this.output(out, layout);
    if (act === Activation.NONE) {
      this.emit(op, inputs, attrs, [y]);
      return;
    }
    const pre = this.fresh(`${y}/${op.toLowerCase()}`);
    this.emit(op, inputs, attrs, [pre]);
    this.activation(act, pre, y);
  }

  /** Emits a TFLite fused activation from x to y. */
  activation(act: number, x: string, y: string): void {
    switch (act) {
      case Activation.RELU:
        this.emit('Relu', [x], {}, [y]);
        return;
      case Activation.RELU6:
        this.emit('Clip', [x, this.scalar(`${y}/min`, 0), this.scalar(`${y}/max`, 6)], {}, [y]);
        return;
      case Activation.RELU_N1_TO_1:
        this.emit('Clip', [x, this.scalar(`${y}/min`, -1), this.scalar(`${y}/max`, 1)], {}, [y]);
        return;
      case Activation.TANH:
        this.emit('Tanh', [x], {}, [y]);
        return;
    }
    throw new UnsupportedAttributeError(
      this.label,
      this.opName,
      'fused_activation_function',
      `is ${ACTIVATION_NAMES[act] ?? act}; supported: NONE, RELU, RELU_N1_TO_1, RELU6, TANH`,
    );
  }

  private unwritten(i: number): ModelFormatError {
    return new ModelFormatError(
      `TFLite ${this.opName} (${this.label}) reads tensor '${this.nameOf(i)}', which is neither a graph input, a constant, nor written by an earlier operator`,
    );
  }
}
