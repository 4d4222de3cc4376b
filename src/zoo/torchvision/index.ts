import { InputError } from '../../errors.js';
import type { Graph } from '../../graph/ir.js';
import { Net } from '../layers.js';
import type { ZooConfig, ZooModel } from '../types.js';
import { deepLabHead, fcnHead, lrasppHead } from './heads.js';
import { mobileNetV3LargeFeatures } from './mobilenetv3.js';
import { RESNET_LAYERS, resNetFeatures } from './resnet.js';

/*
 * torchvision 0.14's segmentation models. Initializer names are exactly the state_dict keys of
 * torchvision.models.segmentation.<name>(num_classes=..., aux_loss=...), minus the
 * BatchNorm num_batches_tracked counters (not used at inference). Graph input: `input`
 * [1, 3, H, W]; outputs: `out` (and `aux` when aux is on), [1, classes, H, W] logits, bilinearly
 * upsampled to the input size as torchvision does. Honoured config: classes (21), inputSize
 * (resnets [520, 520] = torchvision's eval resize; mobilenets [512, 512]), aux (false), seed (1);
 * resnets also outputStride (8 = torchvision's; 16 or 32 drop the dilation of layer3 / layer4),
 * DeepLabV3 also rates ([12, 24, 36]).
 */

type Backbone = 'resnet50' | 'resnet101' | 'mobilenet_v3_large';
type Head = 'fcn' | 'deeplabv3' | 'lraspp';

interface Resolved {
  classes: number;
  size: [number, number];
  aux: boolean;
  seed: number;
  outputStride: 8 | 16 | 32;
  rates: number[];
}

function resolve(name: string, defaults: ZooConfig, config: ZooConfig): Resolved {
  const c = { ...defaults, ...config };
  const classes = c.classes ?? 21;
  if (!Number.isInteger(classes) || classes < 1)
    throw new InputError(`${name}: classes must be a positive integer, got ${classes}`);
  const size = c.inputSize ?? [520, 520];
  if (size.length !== 2 || size.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new InputError(`${name}: inputSize must be [H, W] positive integers, got [${size.join(', ')}]`);
  }
  const outputStride = c.outputStride ?? 8;
  if (![8, 16, 32].includes(outputStride)) {
    throw new InputError(`${name}: outputStride must be 8, 16 or 32, got ${outputStride}`);
  }
  const rates = c.rates ?? [12, 24, 36];
  if (rates.length === 0 || rates.some((r) => !Number.isInteger(r) || r < 1)) {
    throw new InputError(`${name}: rates must be positive integers, got [${rates.join(', ')}]`);
  }
  return {
    classes,
    size: [size[0], size[1]],
    aux: c.aux ?? false,
    seed: c.seed ?? 1,
    outputStride,
    rates,
  };
}

function build(name: string, backbone: Backbone, head: Head, cfg: Resolved): Graph {
  const net = new Net(name, cfg.seed);
  const x = net.b.input('input', [1, 3, cfg.size[0], cfg.size[1]]);
  let out: string;
  let aux: string | undefined;
  if (backbone === 'mobilenet_v3_large') {
    const f = mobileNetV3LargeFeatures(net, 'backbone', x);
    if (head === 'lraspp') {
      out = lrasppHead(net, 'classifier', f.low, f.lowChannels, f.high, f.highChannels, cfg.classes);
    } else {
      out = deepLabHead(net, 'classifier', f.high, f.highChannels, cfg.classes, cfg.rates);
      if (cfg.aux) aux = fcnHead(net, 'aux_classifier', f.low, f.lowChannels, cfg.classes);
    }
  } else {
    const dilate: [boolean, boolean, boolean] = [false, cfg.outputStride <= 8, cfg.outputStride <= 16];
    const f = resNetFeatures(net, 'backbone', x, RESNET_LAYERS[backbone], dilate);
    out =
      head === 'fcn'
        ? fcnHead(net, 'classifier', f.layer4, 2048, cfg.classes)
        : deepLabHead(net, 'classifier', f.layer4, 2048, cfg.classes, cfg.rates);
    if (cfg.aux) aux = fcnHead(net, 'aux_classifier', f.layer3, 1024, cfg.classes);
  }
  const outputs = [net.resizeLike(out, x, 'out')];
  if (aux) outputs.push(net.resizeLike(aux, x, 'aux'));
  return net.finish(...outputs);
}

function model(name: string, backbone: Backbone, head: Head, description: string): ZooModel {
  const mobile = backbone === 'mobilenet_v3_large';
  const defaults: ZooConfig = {
    classes: 21,
    inputSize: mobile ? [512, 512] : [520, 520],
    aux: false,
    seed: 1,
    outputStride: mobile ? 16 : 8,
    ...(head === 'deeplabv3' ? { rates: [12, 24, 36] } : {}),
  };
  return {
    name,
    task: 'segmentation',
    source: 'torchvision',
    description,
    defaults,
    build(config: ZooConfig = {}): Graph {
      const cfg = resolve(name, defaults, config);
      if (mobile && cfg.outputStride !== 16) {
        throw new InputError(
          `${name}: outputStride must be 16 (torchvision's dilated MobileNetV3), got ${cfg.outputStride}`,
        );
      }
      if (head === 'lraspp' && cfg.aux) throw new InputError(`${name}: LR-ASPP has no auxiliary head`);
      return build(name, backbone, head, cfg);
    },
  };
}

/** torchvision-compatible segmentation models (parameter names = torchvision's state_dict keys). */
export const TORCHVISION_MODELS: readonly ZooModel[] = [
  model(
    'lraspp_mobilenet_v3_large',
    'mobilenet_v3_large',
    'lraspp',
    'Lite R-ASPP on dilated MobileNetV3-Large (torchvision), output stride 16, 8 for the low branch',
  ),
  model(
    'deeplabv3_mobilenet_v3_large',
    'mobilenet_v3_large',
    'deeplabv3',
    'DeepLabV3 (ASPP 12/24/36 + image pooling) on dilated MobileNetV3-Large (torchvision), output stride 16',
  ),
  model('fcn_resnet50', 'resnet50', 'fcn', 'FCN head on dilated ResNet-50 (torchvision), output stride 8'),
  model('fcn_resnet101', 'resnet101', 'fcn', 'FCN head on dilated ResNet-101 (torchvision), output stride 8'),
  model(
    'deeplabv3_resnet50',
    'resnet50',
    'deeplabv3',
    'DeepLabV3 (ASPP 12/24/36 + image pooling) on dilated ResNet-50 (torchvision), output stride 8',
  ),
  model(
    'deeplabv3_resnet101',
    'resnet101',
    'deeplabv3',
    'DeepLabV3 (ASPP 12/24/36 + image pooling) on dilated ResNet-101 (torchvision), output stride 8',
  ),
];
