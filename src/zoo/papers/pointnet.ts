import type { ZooModel } from '../types.js';
import { Net, scaled } from './blocks.js';
import { resolve } from './config.js';

/**
 * PointNet segmentation network (Qi et al. 2017) without the T-Nets: input (1, 3, N) points,
 * shared MLPs as Conv1d (kernel 1).
 *
 * Parameter names: conv1..conv4 + bn1..bn4 (3 -> 64 -> 64 -> 128 -> 1024, each with bias, BN,
 * ReLU); global max pool over points (ReduceMax), expanded to N and concatenated after the 64-d
 * local features of conv2 (1088 channels); seg_conv1..3 + seg_bn1..3 (-> 512 -> 256 -> 128, BN,
 * ReLU); seg_out (1x1 -> classes). Output (1, classes, N).
 * Config: classes (50, ShapeNet parts), points (2048), width (channel multiplier, 1), seed.
 */

const DEFAULTS = { classes: 50, points: 2048, width: 1, seed: 1 };

export const pointnet_seg: ZooModel = {
  name: 'pointnet_seg',
  task: 'point-segmentation',
  source: 'paper',
  description:
    'PointNet segmentation (Qi et al. 2017): shared MLP 64-64-128-1024, global max pool, 1088-512-256-128-m',
  defaults: DEFAULTS,
  build(config) {
    const c = resolve('pointnet_seg', DEFAULTS, config ?? {}, {});
    const n = c.points;
    const net = new Net('pointnet_seg', c.seed);
    const layer = (conv: string, bn: string, x: string, ch: number) =>
      net.relu(net.bn(bn, net.conv(conv, x, scaled(ch, c.width), { k: 1, bias: true })));
    let y = layer('conv1', 'bn1', net.input('points', [1, 3, n]), 64);
    const local = layer('conv2', 'bn2', y, 64);
    y = layer('conv3', 'bn3', local, 128);
    y = layer('conv4', 'bn4', y, 1024);
    const g = net.reduceMax(y, 2);
    y = net.concat([local, net.expand(g, [1, net.channels(g), n])]);
    y = layer('seg_conv1', 'seg_bn1', y, 512);
    y = layer('seg_conv2', 'seg_bn2', y, 256);
    y = layer('seg_conv3', 'seg_bn3', y, 128);
    return net.output(net.conv('seg_out', y, c.classes, { k: 1, bias: true }));
  },
};
