import type { ZooModel } from '../types.js';
import { Net } from './blocks.js';
import { resolve } from './config.js';
import { resnetBackbone } from './resnet.js';

/**
 * DeepLab v2 (Chen et al. 2017) on ResNet-101: output stride 8 by dilation (layer3 dilation 2,
 * layer4 dilation 4; torchvision-style ResNet v1.5 rather than the Caffe ResNet), and ASPP-L:
 * one 3x3 conv classifier per rate (6, 12, 18, 24), summed, upsampled bilinearly
 * (align_corners=False) to the input size.
 *
 * Parameter names: backbone.* (torchvision ResNet names, see resnet.ts), aspp.{i} (3x3 conv with
 * bias, dilation rates[i] -> classes). Config: classes (21), outputStride (8 | 16), rates
 * ([6, 12, 18, 24]), width (channel multiplier, 1), inputSize ([512, 512]), seed.
 */

const DEFAULTS = {
  classes: 21,
  outputStride: 8 as const,
  rates: [6, 12, 18, 24],
  width: 1,
  inputSize: [512, 512] as [number, number],
  seed: 1,
};

export const deeplab_v2: ZooModel = {
  name: 'deeplab_v2',
  task: 'segmentation',
  source: 'paper',
  description: 'DeepLab v2 (Chen et al. 2017): ResNet-101 at output stride 8, ASPP rates 6/12/18/24 summed',
  defaults: DEFAULTS,
  build(config) {
    const c = resolve('deeplab_v2', DEFAULTS, config ?? {}, { strides: [8, 16, 32] });
    const [h, w] = c.inputSize;
    const net = new Net('deeplab_v2', c.seed);
    const x = net.input('input', [1, 3, h, w]);
    const f = resnetBackbone(net, x, 'backbone.', 101, c.width, c.outputStride).layers[3];
    let sum = '';
    c.rates.forEach((r, i) => {
      const y = net.conv(`aspp.${i}`, f, c.classes, { k: 3, pad: r, dilation: r, bias: true });
      sum = i === 0 ? y : net.add(sum, y);
    });
    return net.output(net.resize(sum, h, w));
  },
};
