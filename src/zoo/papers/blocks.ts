import { Tensor } from '../../engine/tensor.js';
import { GraphBuilder } from '../../graph/builder.js';
import type { Graph } from '../../graph/ir.js';
import { Rng } from '../../util/random.js';

/**
 * Layers for the paper models, written on top of GraphBuilder. Every value's static shape is
 * tracked here (the zoo builds graphs for a fixed input size), because FCN's crops and the bilinear
 * upsampling to a skip's size need concrete sizes while the graph is being written.
 *
 * Parameter names follow PyTorch's state_dict: a conv `name` owns `name.weight` (+ `name.bias`),
 * a BatchNorm `name` owns `name.weight`, `name.bias`, `name.running_mean`, `name.running_var`.
 */

export interface ConvOptions {
  /** Kernel size, square or [kh, kw] (2-D) / [k] (1-D). */
  k: number | number[];
  stride?: number;
  /** Symmetric padding per spatial axis (default: 'same' for stride 1 = dilation * (k - 1) / 2). */
  pad?: number | number[];
  dilation?: number;
  groups?: number;
  bias?: boolean;
}

/** Channels after a width multiplier; the fixture script rounds the same way (half up, at least 1). */
export function scaled(channels: number, width: number): number {
  return Math.max(1, Math.floor(channels * width + 0.5));
}

/**
 * `n` seeded uniform values in [-scale, scale): mulberry32 inlined, because the full-size models
 * draw ~10^8 weights and a method call per value costs seconds.
 */
export function uniformFill(n: number, scale: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let state = seed >>> 0;
  for (let i = 0; i < n; i++) {
    state = (state + 0x6d2b79f5) | 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 * scale - scale;
  }
  return out;
}

export class Net {
  readonly b: GraphBuilder;
  private readonly rng: Rng;
  private readonly shapes = new Map<string, number[]>();
  private count = 0;
  private readonly seed: number;

  constructor(name: string, seed = 1) {
    this.b = new GraphBuilder(name, { seed });
    this.rng = new Rng(seed ^ 0x5eed);
    this.seed = seed;
  }

  /** A float32 parameter with seeded uniform values in [-scale, scale). */
  param(name: string, dims: number[], scale: number): string {
    const n = dims.reduce((a, v) => a * v, 1);
    const data = uniformFill(n, scale, this.seed * 0x9e3779b1 + this.count++ * 0x85ebca6b);
    return this.b.constant(name, new Tensor('float32', dims, data));
  }

  input(name: string, shape: number[]): string {
    this.shapes.set(name, [...shape]);
    return this.b.input(name, shape);
  }

  shape(x: string): number[] {
    const s = this.shapes.get(x);
    if (!s) throw new Error(`zoo builder: no shape tracked for '${x}'`);
    return s;
  }

  channels(x: string): number {
    return this.shape(x)[1] as number;
  }

  private set(x: string, shape: number[]): string {
    this.shapes.set(x, shape);
    return x;
  }

  private id(op: string): string {
    return `${op}_${this.count++}`;
  }

  /** Conv (1-D or 2-D, by the kernel's rank) with Kaiming-uniform-like random weights. */
  conv(name: string, x: string, cout: number, o: ConvOptions): string {
    const xs = this.shape(x);
    const rank = xs.length - 2;
    const ks = typeof o.k === 'number' ? Array<number>(rank).fill(o.k) : o.k;
    const stride = o.stride ?? 1;
    const dil = o.dilation ?? 1;
    const groups = o.groups ?? 1;
    const pads =
      o.pad === undefined
        ? ks.map((k) => (dil * (k - 1)) / 2)
        : typeof o.pad === 'number'
          ? Array<number>(rank).fill(o.pad)
          : o.pad;
    const cin = xs[1] as number;
    const fanIn = (cin / groups) * ks.reduce((a, v) => a * v, 1);
    const scale = 1 / Math.sqrt(fanIn);
    const inputs = [x, this.param(`${name}.weight`, [cout, cin / groups, ...ks], scale)];
    if (o.bias) inputs.push(this.param(`${name}.bias`, [cout], scale));
    const y = this.b.op(
      'Conv',
      inputs,
      {
        kernel_shape: ks,
        strides: ks.map(() => stride),
        pads: [...pads, ...pads],
        dilations: ks.map(() => dil),
        group: groups,
      },
      { name },
    );
    const spatial = ks.map((k, i) => {
      const size = xs[2 + i] as number;
      return Math.floor((size + 2 * (pads[i] as number) - dil * (k - 1) - 1) / stride) + 1;
    });
    return this.set(y, [xs[0] as number, cout, ...spatial]);
  }

  /** Conv reading an existing weight (KSAC's shared kernel): no new parameter. */
  convShared(name: string, x: string, weight: string, wShape: number[], dilation: number): string {
    const xs = this.shape(x);
    const k = wShape[2] as number;
    const pad = (dilation * (k - 1)) / 2;
    const y = this.b.op(
      'Conv',
      [x, weight],
      { kernel_shape: [k, k], pads: [pad, pad, pad, pad], dilations: [dilation, dilation], strides: [1, 1] },
      { name },
    );
    return this.set(y, [xs[0] as number, wShape[0] as number, xs[2] as number, xs[3] as number]);
  }

  /** Inference BatchNorm with random affine parameters and positive running variance. */
  bn(name: string, x: string): string {
    const c = this.channels(x);
    const r = this.rng;
    const weight = this.b.param(
      `${name}.weight`,
      [c],
      Array.from({ length: c }, () => r.uniform(0.5, 1.5)),
    );
    const bias = this.b.param(
      `${name}.bias`,
      [c],
      Array.from({ length: c }, () => r.uniform(-0.2, 0.2)),
    );
    const mean = this.b.param(
      `${name}.running_mean`,
      [c],
      Array.from({ length: c }, () => r.uniform(-0.2, 0.2)),
    );
    const v = this.b.param(
      `${name}.running_var`,
      [c],
      Array.from({ length: c }, () => r.uniform(0.5, 1.5)),
    );
    const y = this.b.op('BatchNormalization', [x, weight, bias, mean, v], { epsilon: 1e-5 }, { name });
    return this.set(y, this.shape(x));
  }

  relu(x: string): string {
    return this.set(this.b.op('Relu', [x], {}, { name: this.id('relu') }), this.shape(x));
  }

  relu6(x: string): string {
    const y = this.b.op('Clip', [x, this.scalar(0), this.scalar(6)], {}, { name: this.id('relu6') });
    return this.set(y, this.shape(x));
  }

  /** conv → BN (→ ReLU): `name` is the conv, `bnName` the BatchNorm. */
  convBn(name: string, bnName: string, x: string, cout: number, o: ConvOptions, relu = true): string {
    const y = this.bn(bnName, this.conv(name, x, cout, o));
    return relu ? this.relu(y) : y;
  }

  /** Max or average pooling (PyTorch semantics; average counts padding like nn.AvgPool2d). */
  pool(kind: 'MaxPool' | 'AveragePool', x: string, k: number, stride: number, pad = 0, ceil = false): string {
    const xs = this.shape(x);
    const attrs: Record<string, number | number[]> = {
      kernel_shape: [k, k],
      strides: [stride, stride],
      pads: [pad, pad, pad, pad],
      ceil_mode: ceil ? 1 : 0,
    };
    if (kind === 'AveragePool') attrs.count_include_pad = 1;
    const y = this.b.op(kind, [x], attrs, { name: this.id(kind === 'MaxPool' ? 'maxpool' : 'avgpool') });
    const out = (n: number) => {
      const span = n + 2 * pad - k;
      let o = (ceil ? Math.ceil(span / stride) : Math.floor(span / stride)) + 1;
      if (ceil && (o - 1) * stride >= n + pad) o--; // last window must start inside input or left pad
      return o;
    };
    return this.set(y, [xs[0] as number, xs[1] as number, out(xs[2] as number), out(xs[3] as number)]);
  }

  /** Global average pooling to 1x1 (image pooling). */
  globalAvgPool(x: string): string {
    const xs = this.shape(x);
    const y = this.b.op('GlobalAveragePool', [x], {}, { name: this.id('gap') });
    return this.set(y, [xs[0] as number, xs[1] as number, 1, 1]);
  }

  /** Learnable upsampling: ConvTranspose2d(cin, cout, k, stride, pad), PyTorch weight layout. */
  convTranspose(
    name: string,
    x: string,
    cout: number,
    k: number,
    stride: number,
    pad = 0,
    bias = false,
  ): string {
    const xs = this.shape(x);
    const cin = xs[1] as number;
    const scale = 1 / Math.sqrt(cin * k * k);
    const inputs = [x, this.param(`${name}.weight`, [cin, cout, k, k], scale)];
    if (bias) inputs.push(this.param(`${name}.bias`, [cout], scale));
    const y = this.b.op(
      'ConvTranspose',
      inputs,
      { kernel_shape: [k, k], strides: [stride, stride], pads: [pad, pad, pad, pad] },
      { name },
    );
    const out = (n: number) => (n - 1) * stride - 2 * pad + k;
    return this.set(y, [xs[0] as number, cout, out(xs[2] as number), out(xs[3] as number)]);
  }

  add(a: string, c: string): string {
    return this.set(this.b.op('Add', [a, c], {}, { name: this.id('add') }), this.shape(a));
  }

  concat(xs: string[], axis = 1): string {
    const shapes = xs.map((x) => this.shape(x));
    const out = [...(shapes[0] as number[])];
    out[axis] = shapes.reduce((a, s) => a + (s[axis] as number), 0);
    return this.set(this.b.op('Concat', xs, { axis }, { name: this.id('concat') }), out);
  }

  /** Bilinear resize to [h, w] like F.interpolate(mode='bilinear', align_corners=False). */
  resize(x: string, h: number, w: number): string {
    const xs = this.shape(x);
    const id = this.id('resize');
    const sizes = this.b.ints(`${id}.sizes`, [xs[0] as number, xs[1] as number, h, w]);
    const y = this.b.op(
      'Resize',
      [x, '', '', sizes],
      { mode: 'linear', coordinate_transformation_mode: 'pytorch_half_pixel' },
      { name: id },
    );
    return this.set(y, [xs[0] as number, xs[1] as number, h, w]);
  }

  /** Spatial crop [off, off + h) x [off, off + w) with Slice (Caffe's Crop layer, as FCN does). */
  crop(x: string, off: number, h: number, w: number): string {
    const xs = this.shape(x);
    const id = this.id('crop');
    const y = this.b.op(
      'Slice',
      [
        x,
        this.b.ints(`${id}.starts`, [off, off]),
        this.b.ints(`${id}.ends`, [off + h, off + w]),
        this.b.ints(`${id}.axes`, [2, 3]),
      ],
      {},
      { name: id },
    );
    return this.set(y, [xs[0] as number, xs[1] as number, h, w]);
  }

  /** Max over axis 2 keeping it (PointNet's symmetric function). */
  reduceMax(x: string, axis: number): string {
    const xs = [...this.shape(x)];
    const id = this.id('reducemax');
    // Opset 17: axes is still an attribute of ReduceMax (an input from opset 18).
    const y = this.b.op('ReduceMax', [x], { axes: [axis], keepdims: 1 }, { name: id });
    xs[axis] = 1;
    return this.set(y, xs);
  }

  expand(x: string, shape: number[]): string {
    const id = this.id('expand');
    return this.set(this.b.op('Expand', [x, this.b.ints(`${id}.shape`, shape)], {}, { name: id }), shape);
  }

  output(x: string, name = 'logits'): Graph {
    const y = this.b.op('Identity', [x], {}, { name, outputs: [name] });
    this.set(y, this.shape(x));
    this.b.output(y);
    return this.b.build();
  }

  private scalar(v: number): string {
    const id = this.id('const');
    return this.b.constant(id, new Tensor('float32', [], Float32Array.of(v)));
  }
}
