import type { Net } from '../layers.js';

/** Bottleneck blocks per stage: resnet50 [3, 4, 6, 3], resnet101 [3, 4, 23, 3]. */
export const RESNET_LAYERS = { resnet50: [3, 4, 6, 3], resnet101: [3, 4, 23, 3] } as const;

/** torchvision Bottleneck (v1.5: stride on the 3×3) as module `prefix`. */
function bottleneck(
  net: Net,
  prefix: string,
  x: string,
  inC: number,
  planes: number,
  stride: number,
  dilation: number,
): string {
  const outC = planes * 4;
  let y = net.convBnAct(`${prefix}.conv1`, `${prefix}.bn1`, x, inC, planes);
  y = net.convBnAct(`${prefix}.conv2`, `${prefix}.bn2`, y, planes, planes, { kernel: 3, stride, dilation });
  y = net.convBnAct(`${prefix}.conv3`, `${prefix}.bn3`, y, planes, outC, { act: null });
  const identity =
    stride !== 1 || inC !== outC
      ? net.convBnAct(`${prefix}.downsample.0`, `${prefix}.downsample.1`, x, inC, outC, { stride, act: null })
      : x;
  return net.act(net.add(y, identity), 'relu');
}

export interface ResNetFeatures {
  /** layer3's output (1024 channels), what the aux head reads. */
  layer3: string;
  /** layer4's output (2048 channels). */
  layer4: string;
}

/**
 * torchvision ResNet (Bottleneck) without avgpool/fc as module `prefix`, with
 * replace_stride_with_dilation = `dilate` (segmentation: [false, true, true], output stride 8).
 */
export function resNetFeatures(
  net: Net,
  prefix: string,
  x: string,
  blocks: readonly number[],
  dilate: readonly [boolean, boolean, boolean] = [false, true, true],
): ResNetFeatures {
  let y = net.convBnAct(`${prefix}.conv1`, `${prefix}.bn1`, x, 3, 64, { kernel: 7, stride: 2, padding: 3 });
  y = net.b.op('MaxPool', [y], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] });
  let inC = 64;
  let dilation = 1;
  const outs: string[] = [];
  blocks.forEach((count, layer) => {
    const planes = 64 * 2 ** layer;
    let stride = layer === 0 ? 1 : 2;
    const previous = dilation;
    if (layer > 0 && dilate[layer - 1]) {
      dilation *= stride;
      stride = 1;
    }
    for (let i = 0; i < count; i++) {
      const name = `${prefix}.layer${layer + 1}.${i}`;
      y = bottleneck(net, name, y, inC, planes, i === 0 ? stride : 1, i === 0 ? previous : dilation);
      inC = planes * 4;
    }
    outs.push(y);
  });
  return { layer3: outs[2] as string, layer4: outs[3] as string };
}
