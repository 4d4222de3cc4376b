import type { ZooConfig, ZooModel } from '../types.js';
import { aspp, defaultRates, v3plusDecoder } from './aspp.js';
import { Net } from './blocks.js';
import { resolve } from './config.js';
import { mobilenetV2Backbone } from './mobilenet_v2.js';
import { resnetBackbone } from './resnet.js';
import { xception65Backbone } from './xception.js';

/**
 * DeepLab v3+ (Chen et al. 2018), one zoo model per backbone: deeplab_v3plus_resnet50,
 * _resnet101, _mobilenet_v2, _xception65.
 *
 * Parameter names: backbone.* (resnet.ts: torchvision ResNet names, low-level = layer1;
 * mobilenet_v2.ts: torchvision features.*, low-level = features.3; xception.ts), aspp.* (aspp.ts:
 * torchvision's ASPP names), decoder.reduce / decoder.fuse, classifier (aspp.ts: v3plusDecoder).
 * The ASPP uses plain (not separable) 3x3 convs for every backbone.
 * Config: classes (21), outputStride (16 | 8), rates ([6, 12, 18] at 16, doubled at 8),
 * width (channel multiplier, 1), inputSize ([512, 512]), seed.
 */

type Backbone = 'resnet50' | 'resnet101' | 'mobilenet_v2' | 'xception65';

const DEFAULTS: ZooConfig = { classes: 21, outputStride: 16, width: 1, inputSize: [512, 512], seed: 1 };

function model(backbone: Backbone): ZooModel {
  return {
    name: `deeplab_v3plus_${backbone}`,
    task: 'segmentation',
    source: 'paper',
    description: `DeepLab v3+ (Chen et al. 2018) on ${backbone}: ASPP + image pooling, 48-channel low-level decoder`,
    defaults: DEFAULTS,
    build(config) {
      const c = resolve(`deeplab_v3plus_${backbone}`, DEFAULTS, config ?? {}, { strides: [8, 16, 32] });
      const [h, w] = c.inputSize;
      const net = new Net(`deeplab_v3plus_${backbone}`, c.seed);
      const x = net.input('input', [1, 3, h, w]);
      let low: string;
      let high: string;
      if (backbone === 'resnet50' || backbone === 'resnet101') {
        const depth = backbone === 'resnet50' ? 50 : 101;
        const layers = resnetBackbone(net, x, 'backbone.', depth, c.width, c.outputStride).layers;
        low = layers[0];
        high = layers[3];
      } else if (backbone === 'mobilenet_v2') {
        ({ low, high } = mobilenetV2Backbone(net, x, 'backbone.', c.width, c.outputStride));
      } else {
        ({ low, high } = xception65Backbone(net, x, 'backbone.', c.width, c.outputStride));
      }
      const y = aspp(net, high, 'aspp.', defaultRates(c.outputStride, c.rates), c.width);
      return net.output(v3plusDecoder(net, y, low, c.classes, c.width, [h, w]));
    },
  };
}

export const deeplab_v3plus_resnet50 = model('resnet50');
export const deeplab_v3plus_resnet101 = model('resnet101');
export const deeplab_v3plus_mobilenet_v2 = model('mobilenet_v2');
export const deeplab_v3plus_xception65 = model('xception65');
