import { type Net, scaled } from './blocks.js';

/** VGG-16's conv stages: channels per stage and convs per stage (conv{s}_{i}). */
const STAGES: [number, number][] = [
  [64, 2],
  [128, 2],
  [256, 3],
  [512, 3],
  [512, 3],
];

export interface VggStyle {
  /** Padding of conv1_1 (FCN: 100, so any input size survives fc6's 7x7 and the crops). */
  firstPad: number;
  /** The pooling after stage s (0-based) given its input; returns the pooled value. */
  pool(net: Net, x: string, stage: number): string;
  /** Dilation of the convs of stage s (DeepLab-LargeFOV: 2 in conv5). */
  dilation(stage: number): number;
}

/**
 * conv1_1 ... conv5_3 (3x3, bias, ReLU) with `style`'s pooling after each stage. Parameter names
 * `conv{s}_{i}.weight` / `.bias` as in the Caffe models. Returns the output of each pool.
 */
export function vgg16Features(net: Net, x: string, width: number, style: VggStyle): string[] {
  const pools: string[] = [];
  let y = x;
  STAGES.forEach(([channels, convs], s) => {
    const dilation = style.dilation(s);
    for (let i = 1; i <= convs; i++) {
      const pad = s === 0 && i === 1 ? style.firstPad : dilation;
      y = net.relu(
        net.conv(`conv${s + 1}_${i}`, y, scaled(channels, width), { k: 3, pad, dilation, bias: true }),
      );
    }
    y = style.pool(net, y, s);
    pools.push(y);
  });
  return pools;
}
