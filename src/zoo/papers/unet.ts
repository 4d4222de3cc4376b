import type { ZooModel } from '../types.js';
import { Net } from './blocks.js';
import { resolve } from './config.js';

/**
 * U-Net (Ronneberger et al. 2015) with 4 down/up levels and "same" padding (the common modern form;
 * the paper's valid convs + crops are not reproduced), BatchNorm after every conv.
 *
 * Parameter names (base width C = config.width, default 64):
 *   enc{1..4}.conv1 / .bn1 / .conv2 / .bn2   double 3x3 conv (no bias) + BN + ReLU, C*2^(l-1) channels
 *   bottleneck.conv1 / .bn1 / .conv2 / .bn2  16C channels, after the 4th 2x2 max pool
 *   up{4..1}                                 ConvTranspose 2x2 stride 2 (with bias), halves channels
 *   dec{4..1}.conv1 / .bn1 / .conv2 / .bn2   double conv on concat([up, skip])
 *   head                                     1x1 conv (bias) -> classes
 * Input H and W must be multiples of 16. Config: classes (2), width (64), inputSize ([512, 512]), seed.
 */

const DEFAULTS = {
  classes: 2,
  outputStride: 16 as const,
  width: 64,
  inputSize: [512, 512] as [number, number],
  seed: 1,
};

function doubleConv(net: Net, name: string, x: string, channels: number): string {
  const y = net.convBn(`${name}.conv1`, `${name}.bn1`, x, channels, { k: 3 });
  return net.convBn(`${name}.conv2`, `${name}.bn2`, y, channels, { k: 3 });
}

export const unet: ZooModel = {
  name: 'unet',
  task: 'segmentation',
  source: 'paper',
  description:
    'U-Net (Ronneberger et al. 2015): 4 levels, double 3x3 conv + BN, 2x2 up-convolution, skip concat',
  defaults: DEFAULTS,
  build(config) {
    const c = resolve('unet', DEFAULTS, config ?? {}, { strides: [16], multipleOf: 16, integerWidth: true });
    const [h, w] = c.inputSize;
    const base = Math.max(1, Math.round(c.width));
    const net = new Net('unet', c.seed);
    let y = net.input('input', [1, 3, h, w]);
    const skips: string[] = [];
    for (let l = 1; l <= 4; l++) {
      y = doubleConv(net, `enc${l}`, y, base * 2 ** (l - 1));
      skips.push(y);
      y = net.pool('MaxPool', y, 2, 2);
    }
    y = doubleConv(net, 'bottleneck', y, base * 16);
    for (let l = 4; l >= 1; l--) {
      const up = net.convTranspose(`up${l}`, y, base * 2 ** (l - 1), 2, 2, 0, true);
      y = doubleConv(net, `dec${l}`, net.concat([up, skips[l - 1] as string]), base * 2 ** (l - 1));
    }
    return net.output(net.conv('head', y, c.classes, { k: 1, bias: true }));
  },
};
