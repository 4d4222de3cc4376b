import { type Net, scaled } from './blocks.js';

/**
 * ResNet-50/101/152 backbone with torchvision's module names under `prefix`:
 *   `${prefix}conv1`, `${prefix}bn1`, `${prefix}layer{1..4}.{i}.conv{1,2,3}` / `.bn{1,2,3}`,
 *   `${prefix}layer{1..4}.0.downsample.0` (1x1 conv) / `.downsample.1` (BN).
 * Stride on the 3x3 conv (ResNet v1.5, as torchvision). Output stride 16 / 8 replaces the stride
 * of layer4 / layer3+layer4 with dilation exactly like torchvision's replace_stride_with_dilation:
 * the first block of a dilated layer keeps the previous dilation, the others use the new one.
 * `width` multiplies every channel count (1 = the real network).
 */

export type ResNetDepth = 50 | 101 | 152;

const BLOCKS: Record<ResNetDepth, number[]> = { 50: [3, 4, 6, 3], 101: [3, 4, 23, 3], 152: [3, 8, 36, 3] };

export interface ResNetOutputs {
  /** Outputs of layer1..layer4 (strides 4, 8, 16|8, 32|16|8). */
  layers: [string, string, string, string];
}

export function resnetBackbone(
  net: Net,
  x: string,
  prefix: string,
  depth: ResNetDepth,
  width: number,
  outputStride: 8 | 16 | 32,
): ResNetOutputs {
  let y = net.convBn(`${prefix}conv1`, `${prefix}bn1`, x, scaled(64, width), { k: 7, stride: 2, pad: 3 });
  y = net.pool('MaxPool', y, 3, 2, 1);
  const dilate =
    outputStride === 8
      ? [false, false, true, true]
      : outputStride === 16
        ? [false, false, false, true]
        : [false, false, false, false];
  let dilation = 1;
  const outs: string[] = [];
  (BLOCKS[depth] as number[]).forEach((blocks, li) => {
    const planes = scaled(64 * 2 ** li, width);
    let stride = li === 0 ? 1 : 2;
    const previous = dilation;
    if (dilate[li]) {
      dilation *= stride;
      stride = 1;
    }
    for (let i = 0; i < blocks; i++) {
      const name = `${prefix}layer${li + 1}.${i}`;
      y = bottleneck(net, y, name, planes, i === 0 ? stride : 1, i === 0 ? previous : dilation);
    }
    outs.push(y);
  });
  return { layers: outs as [string, string, string, string] };
}

function bottleneck(
  net: Net,
  x: string,
  name: string,
  planes: number,
  stride: number,
  dilation: number,
): string {
  const cout = planes * 4;
  let identity = x;
  if (stride !== 1 || net.channels(x) !== cout) {
    identity = net.convBn(`${name}.downsample.0`, `${name}.downsample.1`, x, cout, { k: 1, stride }, false);
  }
  let y = net.convBn(`${name}.conv1`, `${name}.bn1`, x, planes, { k: 1 });
  y = net.convBn(`${name}.conv2`, `${name}.bn2`, y, planes, { k: 3, stride, pad: dilation, dilation });
  y = net.convBn(`${name}.conv3`, `${name}.bn3`, y, cout, { k: 1 }, false);
  return net.relu(net.add(y, identity));
}
