import type { ZooModel } from '../types.js';
import { Net } from './blocks.js';
import { resolve } from './config.js';
import { resnetBackbone } from './resnet.js';

/**
 * Global Convolutional Network (Peng et al. 2017, "Large Kernel Matters") on ResNet-50
 * (the paper uses ResNet-152; the structure is the same), output stride 32, k = 15.
 *
 * Parameter names:
 *   backbone.*                         torchvision ResNet-50 names (resnet.ts)
 *   gcn{2..5}.conv_l1 / conv_l2        left branch: k x 1 then 1 x k conv (bias) -> classes
 *   gcn{2..5}.conv_r1 / conv_r2        right branch: 1 x k then k x 1 conv (bias); the branches sum
 *   br{n}.conv1 / conv2                boundary refinement: x + conv2(relu(conv1(x))), 3x3 with bias;
 *                                      n in 5a, 4a, 4b, 3a, 3b, 2a, 2b, 1, 0
 *   deconv{5..1}                       ConvTranspose 4x4 stride 2 pad 1 (no bias), x2 each
 * Flow: s5 = br5a(gcn5(layer4)); s_l = br_lb(br_la(gcn_l(layer_{l-1})) + deconv_{l+1}(s_{l+1}))
 * for l = 4, 3, 2; out = br0(deconv1(br1(deconv2(s2)))). Input H, W must be multiples of 32.
 * Config: classes (21), width (backbone channel multiplier, 1), inputSize ([512, 512]), seed.
 */

const K = 15;
const DEFAULTS = {
  classes: 21,
  outputStride: 32 as const,
  width: 1,
  inputSize: [512, 512] as [number, number],
  seed: 1,
};

function gcnModule(net: Net, p: string, x: string, classes: number): string {
  const h = (n: string, v: string) =>
    net.conv(`${p}.${n}`, v, classes, { k: [1, K], pad: [0, (K - 1) / 2], bias: true });
  const v = (n: string, u: string) =>
    net.conv(`${p}.${n}`, u, classes, { k: [K, 1], pad: [(K - 1) / 2, 0], bias: true });
  return net.add(h('conv_l2', v('conv_l1', x)), v('conv_r2', h('conv_r1', x)));
}

function br(net: Net, p: string, x: string): string {
  const c = net.channels(x);
  const y = net.relu(net.conv(`${p}.conv1`, x, c, { k: 3, bias: true }));
  return net.add(x, net.conv(`${p}.conv2`, y, c, { k: 3, bias: true }));
}

export const gcn: ZooModel = {
  name: 'gcn',
  task: 'segmentation',
  source: 'paper',
  description:
    'GCN (Peng et al. 2017): ResNet-50, k=15 global convolution + boundary refinement, deconv upsampling',
  defaults: DEFAULTS,
  build(config) {
    const c = resolve('gcn', DEFAULTS, config ?? {}, { strides: [32], multipleOf: 32 });
    const [h, w] = c.inputSize;
    const net = new Net('gcn', c.seed);
    const x = net.input('input', [1, 3, h, w]);
    const layers = resnetBackbone(net, x, 'backbone.', 50, c.width, 32).layers;
    const k = c.classes;
    let s = br(net, 'br5a', gcnModule(net, 'gcn5', layers[3], k));
    for (const l of [4, 3, 2]) {
      const up = net.convTranspose(`deconv${l + 1}`, s, k, 4, 2, 1);
      const g = br(net, `br${l}a`, gcnModule(net, `gcn${l}`, layers[l - 2] as string, k));
      s = br(net, `br${l}b`, net.add(g, up));
    }
    s = br(net, 'br1', net.convTranspose('deconv2', s, k, 4, 2, 1));
    s = br(net, 'br0', net.convTranspose('deconv1', s, k, 4, 2, 1));
    return net.output(s);
  },
};
