import type { ZooModel } from '../types.js';
import { Net, scaled } from './blocks.js';
import { resolve } from './config.js';
import { vgg16Features } from './vgg.js';

/**
 * DeepLab v1, VGG-16 LargeFOV (Chen et al. 2015), after the released Caffe prototxt.
 *
 * Parameter names: conv1_1 ... conv5_3 (3x3, bias), fc6 (3x3, dilation 12, 1024 * width),
 * fc7 (1x1, 1024 * width), fc8 (1x1 -> classes); all with bias.
 * Pooling: pool1-3 3x3 stride 2 pad 1, pool4 / pool5 3x3 stride 1 pad 1 (max, ceil_mode as Caffe),
 * then pool5a 3x3 stride 1 pad 1 average (counting padding, as Caffe); conv5 uses dilation 2.
 * Output stride 8 (fixed by the architecture); the logits are upsampled bilinearly
 * (align_corners=False) to the input size. Dropout is left out (train only).
 * Config: classes (21), width (1), inputSize ([512, 512]), seed.
 */
const DEFAULTS = {
  classes: 21,
  outputStride: 8 as const,
  width: 1,
  inputSize: [512, 512] as [number, number],
  seed: 1,
};

export const deeplab_v1: ZooModel = {
  name: 'deeplab_v1',
  task: 'segmentation',
  source: 'paper',
  description: 'DeepLab v1 VGG-16 LargeFOV (Chen et al. 2015): output stride 8, fc6 3x3 dilation 12',
  defaults: DEFAULTS,
  build(config) {
    const c = resolve('deeplab_v1', DEFAULTS, config ?? {}, { strides: [8] });
    const [h, w] = c.inputSize;
    const net = new Net('deeplab_v1', c.seed);
    const x = net.input('input', [1, 3, h, w]);
    const pools = vgg16Features(net, x, c.width, {
      firstPad: 1,
      dilation: (s) => (s === 4 ? 2 : 1),
      pool: (n, v, s) => n.pool('MaxPool', v, 3, s < 3 ? 2 : 1, 1, true),
    });
    let y = net.pool('AveragePool', pools[4] as string, 3, 1, 1);
    const fc = scaled(1024, c.width);
    y = net.relu(net.conv('fc6', y, fc, { k: 3, pad: 12, dilation: 12, bias: true }));
    y = net.relu(net.conv('fc7', y, fc, { k: 1, bias: true }));
    y = net.conv('fc8', y, c.classes, { k: 1, bias: true });
    return net.output(net.resize(y, h, w));
  },
};
