import type { ZooModel } from '../types.js';
import { defaultRates } from './aspp.js';
import { Net, scaled } from './blocks.js';
import { resolve } from './config.js';
import { resnetBackbone } from './resnet.js';

/**
 * KSAC (Huang et al. 2019, "See More Than Once: Kernel-Sharing Atrous Convolution") head on a
 * ResNet-50 backbone at output stride 16 (8 doubles the rates): ONE 3x3 kernel applied at every
 * rate (in the graph: one Conv node per rate, all reading `ksac.shared`), each with its own BN.
 *
 * Parameter names:
 *   backbone.*                 torchvision ResNet-50 names (resnet.ts)
 *   ksac.conv1x1, ksac.bn1x1   1x1 branch (conv without bias + BN + ReLU)
 *   ksac.shared                the shared 3x3 weight [256*width, C, 3, 3] (no bias)
 *   ksac.bn.{i}                BN (+ ReLU) of the shared conv at rates[i]
 *   ksac.pool_conv, ksac.pool_bn   image pooling: global avg pool, 1x1 conv, BN, ReLU, bilinear back
 *   ksac.project, ksac.project_bn  1x1 over the concat (1x1, rates..., pool) + BN + ReLU
 *   classifier                 1x1 with bias -> classes; bilinear upsampling to the input size
 * No decoder. Config: classes (21), outputStride (16 | 8), rates ([6, 12, 18] at 16),
 * width (1), inputSize ([512, 512]), seed.
 */

const DEFAULTS = {
  classes: 21,
  outputStride: 16 as const,
  width: 1,
  inputSize: [512, 512] as [number, number],
  seed: 1,
};

export const ksac: ZooModel = {
  name: 'ksac',
  task: 'segmentation',
  source: 'paper',
  description:
    'KSAC (Huang et al. 2019): ResNet-50, one shared 3x3 kernel at rates 6/12/18 + 1x1 + image pooling',
  defaults: DEFAULTS,
  build(config) {
    const c = resolve('ksac', DEFAULTS, config ?? {}, { strides: [8, 16, 32] });
    const [h, w] = c.inputSize;
    const net = new Net('ksac', c.seed);
    const x = net.input('input', [1, 3, h, w]);
    const f = resnetBackbone(net, x, 'backbone.', 50, c.width, c.outputStride).layers[3];
    const [fh, fw] = net.shape(f).slice(2) as [number, number];
    const ch = scaled(256, c.width);
    const cin = net.channels(f);
    const branches = [net.convBn('ksac.conv1x1', 'ksac.bn1x1', f, ch, { k: 1 })];
    const wShape = [ch, cin, 3, 3];
    const shared = net.param('ksac.shared', wShape, 1 / Math.sqrt(cin * 9));
    defaultRates(c.outputStride, c.rates).forEach((r, i) => {
      branches.push(
        net.relu(net.bn(`ksac.bn.${i}`, net.convShared(`ksac.conv_r${i}`, f, shared, wShape, r))),
      );
    });
    const pooled = net.convBn('ksac.pool_conv', 'ksac.pool_bn', net.globalAvgPool(f), ch, { k: 1 });
    branches.push(net.resize(pooled, fh, fw));
    const y = net.convBn('ksac.project', 'ksac.project_bn', net.concat(branches), ch, { k: 1 });
    return net.output(net.resize(net.conv('classifier', y, c.classes, { k: 1, bias: true }), h, w));
  },
};
