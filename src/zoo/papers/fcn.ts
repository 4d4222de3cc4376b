import type { Graph } from '../../graph/ir.js';
import type { ZooConfig, ZooModel } from '../types.js';
import { Net, scaled } from './blocks.js';
import { resolve } from './config.js';
import { vgg16Features } from './vgg.js';

/**
 * FCN-32s / 16s / 8s on VGG-16 (Long, Shelhamer & Darrell 2015), the Caffe "voc-fcn*s" nets.
 *
 * Parameter names (PyTorch state_dict of scripts/make-paper-fixtures.py's FCN module):
 *   conv1_1 ... conv5_3          3x3 convs with bias; conv1_1 pads by 100 as in Caffe
 *   fc6                          7x7 conv (4096 * width), no padding; fc7 1x1 (4096 * width)
 *   score_fr                     1x1 conv -> classes
 *   score_pool4, score_pool3     1x1 convs on pool4 / pool3 (16s, 8s)
 *   upscore   (32s)              ConvTranspose 64x64 stride 32, no bias
 *   upscore2, upscore16 (16s)    ConvTranspose 4x4 s2 / 32x32 s16, no bias
 *   upscore2, upscore_pool4, upscore8 (8s)   ConvTranspose 4x4 s2 / 4x4 s2 / 16x16 s8, no bias
 * Pools are 2x2 stride 2 with ceil_mode (Caffe). Crops are Slice nodes with Caffe's offsets
 * (score_pool4: 5, score_pool3: 9, final: 19 / 27 / 31), so every input size works.
 * Dropout (train only) is left out. Config: classes (21), width (channel multiplier, 1),
 * inputSize ([512, 512]), seed.
 */

type Variant = 32 | 16 | 8;

function buildFcn(variant: Variant, config: ZooConfig | undefined, defaults: ZooConfig): Graph {
  const c = resolve(`fcn${variant}s`, defaults, config ?? {}, { strides: [32] });
  const [h, w] = c.inputSize;
  const net = new Net(`fcn${variant}s`, c.seed);
  const x = net.input('input', [1, 3, h, w]);
  const pools = vgg16Features(net, x, c.width, {
    firstPad: 100,
    dilation: () => 1,
    pool: (n, v) => n.pool('MaxPool', v, 2, 2, 0, true),
  });
  const [, , pool3, pool4, pool5] = pools as [string, string, string, string, string];
  const fc = scaled(4096, c.width);
  let y = net.relu(net.conv('fc6', pool5, fc, { k: 7, pad: 0, bias: true }));
  y = net.relu(net.conv('fc7', y, fc, { k: 1, bias: true }));
  const score = net.conv('score_fr', y, c.classes, { k: 1, bias: true });
  const k = c.classes;
  let out: string;
  if (variant === 32) {
    out = net.crop(net.convTranspose('upscore', score, k, 64, 32), 19, h, w);
  } else {
    const up2 = net.convTranspose('upscore2', score, k, 4, 2);
    const [uh, uw] = net.shape(up2).slice(2) as [number, number];
    const sp4 = net.crop(net.conv('score_pool4', pool4, k, { k: 1, bias: true }), 5, uh, uw);
    const fuse4 = net.add(up2, sp4);
    if (variant === 16) {
      out = net.crop(net.convTranspose('upscore16', fuse4, k, 32, 16), 27, h, w);
    } else {
      const up4 = net.convTranspose('upscore_pool4', fuse4, k, 4, 2);
      const [vh, vw] = net.shape(up4).slice(2) as [number, number];
      const sp3 = net.crop(net.conv('score_pool3', pool3, k, { k: 1, bias: true }), 9, vh, vw);
      out = net.crop(net.convTranspose('upscore8', net.add(up4, sp3), k, 16, 8), 31, h, w);
    }
  }
  return net.output(out);
}

function fcnModel(variant: Variant): ZooModel {
  const defaults: ZooConfig = { classes: 21, outputStride: 32, width: 1, inputSize: [512, 512], seed: 1 };
  return {
    name: `fcn${variant}s`,
    task: 'segmentation',
    source: 'paper',
    description: `FCN-${variant}s on VGG-16 (Long et al. 2015): ${variant === 32 ? 'single-stream' : `skip fusion from pool4${variant === 8 ? ' and pool3' : ''}`}, learnable deconvolution, Caffe crops`,
    defaults,
    build: (config) => buildFcn(variant, config, defaults),
  };
}

export const fcn32s = fcnModel(32);
export const fcn16s = fcnModel(16);
export const fcn8s = fcnModel(8);
