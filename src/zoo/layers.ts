import { GraphBuilder } from '../graph/builder.js';
import type { Graph } from '../graph/ir.js';
import { Rng } from '../util/random.js';

/** Activations a layer can end with (PyTorch's nn.ReLU, nn.Hardswish, nn.Hardsigmoid, nn.Sigmoid). */
export type Activation = 'relu' | 'hardswish' | 'hardsigmoid' | 'sigmoid' | null;

export interface ConvOptions {
  /** Square kernel size (default 1). */
  kernel?: number;
  stride?: number;
  dilation?: number;
  groups?: number;
  /** Adds `<name>.bias` (default false, as before a BatchNorm). */
  bias?: boolean;
  /** Symmetric padding; default PyTorch's "same" rule (kernel - 1) / 2 * dilation. */
  padding?: number;
}

export interface ConvBnActOptions extends ConvOptions {
  /** Activation after the BatchNorm (default 'relu'). */
  act?: Activation;
  /** BatchNorm epsilon (default PyTorch's 1e-5). */
  eps?: number;
}

/**
 * A GraphBuilder with PyTorch-style layers: every parameter is named like the PyTorch module's
 * state_dict key (`<module>.weight`, `<module>.bias`, `<bn>.running_mean`, `<bn>.running_var`)
 * and filled with seeded random values of a sensible scale (He-uniform conv weights, BatchNorm
 * statistics near identity) so random-weight graphs neither explode nor vanish. Values are
 * referred to by name, as in GraphBuilder; `net.b` is the underlying builder for anything else.
 */
export class Net {
  readonly b: GraphBuilder;
  private readonly rng: Rng;

  constructor(name: string, seed = 1) {
    this.b = new GraphBuilder(name, { seed });
    this.rng = new Rng(seed);
  }

  /** A float32 parameter with seeded uniform values in [lo, hi). */
  param(name: string, dims: number[], lo: number, hi: number): string {
    const size = dims.reduce((a, b) => a * b, 1);
    return this.b.param(name, dims, this.rng.floats(size, lo, hi));
  }

  /** nn.Conv2d as module `name`: weight [out, in / groups, k, k] (+ bias [out]). */
  conv(name: string, x: string, inC: number, outC: number, o: ConvOptions = {}): string {
    const k = o.kernel ?? 1;
    const dilation = o.dilation ?? 1;
    const groups = o.groups ?? 1;
    const pad = o.padding ?? ((k - 1) >> 1) * dilation;
    const fanIn = (inC / groups) * k * k;
    const bound = Math.sqrt(6 / fanIn);
    const inputs = [x, this.param(`${name}.weight`, [outC, inC / groups, k, k], -bound, bound)];
    if (o.bias) {
      const bb = 1 / Math.sqrt(fanIn);
      inputs.push(this.param(`${name}.bias`, [outC], -bb, bb));
    }
    const s = o.stride ?? 1;
    return this.b.op(
      'Conv',
      inputs,
      {
        kernel_shape: [k, k],
        strides: [s, s],
        pads: [pad, pad, pad, pad],
        dilations: [dilation, dilation],
        group: groups,
      },
      { name },
    );
  }

  /** nn.BatchNorm2d as module `name` (inference: running statistics). */
  batchNorm(name: string, x: string, channels: number, eps = 1e-5): string {
    const c = [channels];
    const inputs = [
      x,
      this.param(`${name}.weight`, c, 0.8, 1.2),
      this.param(`${name}.bias`, c, -0.1, 0.1),
      this.param(`${name}.running_mean`, c, -0.1, 0.1),
      this.param(`${name}.running_var`, c, 0.8, 1.2),
    ];
    return this.b.op('BatchNormalization', inputs, { epsilon: eps }, { name });
  }

  /** The activation as an ONNX op (PyTorch's hardsigmoid is relu6(x + 3) / 6). */
  act(x: string, kind: Activation): string {
    switch (kind) {
      case null:
        return x;
      case 'relu':
        return this.b.op('Relu', [x]);
      case 'sigmoid':
        return this.b.op('Sigmoid', [x]);
      case 'hardswish':
        return this.b.op('HardSwish', [x]);
      case 'hardsigmoid':
        return this.b.op('HardSigmoid', [x], { alpha: 1 / 6, beta: 0.5 });
    }
  }

  /** Conv (no bias) → BatchNorm → activation, the modules named `conv` and `bn`. */
  convBnAct(
    conv: string,
    bn: string,
    x: string,
    inC: number,
    outC: number,
    o: ConvBnActOptions = {},
  ): string {
    const y = this.batchNorm(bn, this.conv(conv, x, inC, outC, { ...o, bias: o.bias ?? false }), outC, o.eps);
    return this.act(y, o.act === undefined ? 'relu' : o.act);
  }

  /**
   * torchvision's Conv2dNormActivation / nn.Sequential(conv, bn, act) as module `prefix`:
   * parameters `<prefix>.0.*` (conv) and `<prefix>.1.*` (BatchNorm).
   */
  seqConvBnAct(prefix: string, x: string, inC: number, outC: number, o: ConvBnActOptions = {}): string {
    return this.convBnAct(`${prefix}.0`, `${prefix}.1`, x, inC, outC, o);
  }

  /** nn.AdaptiveAvgPool2d(1). */
  globalAvgPool(x: string): string {
    return this.b.op('GlobalAveragePool', [x]);
  }

  add(a: string, b: string): string {
    return this.b.op('Add', [a, b]);
  }

  mul(a: string, b: string): string {
    return this.b.op('Mul', [a, b]);
  }

  /**
   * F.interpolate(x, size=ref.shape[-2:], mode='bilinear', align_corners=False): a Resize whose
   * sizes come from the shapes (Shape/Concat, folded to a constant when the shapes are known).
   * `name` names the node and its output (e.g. a graph output).
   */
  resizeLike(x: string, ref: string, name?: string): string {
    const nc = this.b.op('Shape', [x], { end: 2 });
    const hw = this.b.op('Shape', [ref], { start: 2 });
    const sizes = this.b.op('Concat', [nc, hw], { axis: 0 });
    return this.b.op(
      'Resize',
      [x, '', '', sizes],
      {
        mode: 'linear',
        coordinate_transformation_mode: 'pytorch_half_pixel',
      },
      name ? { name } : {},
    );
  }

  /** Marks the outputs and returns the validated graph. */
  finish(...outputs: string[]): Graph {
    this.b.output(...outputs);
    return this.b.build();
  }
}
