import { type Net, scaled } from './blocks.js';

/**
 * MobileNetV2 features with torchvision's names under `prefix` (`features.0.0` conv + `features.0.1`
 * BN; inverted residuals `features.{1..17}.conv.*`: [expand 1x1 conv+BN+ReLU6 as conv.0.0/.0.1],
 * depthwise 3x3 conv+BN+ReLU6, project 1x1 conv, BN). features.18 (1x1 to 1280) is not built.
 * Once the output stride is reached, a block's stride becomes 1 and the dilation of its depthwise
 * conv and of every later one is multiplied by that stride. `width` multiplies channel counts
 * (rounded half up, not torchvision's round-to-8).
 * Returns the low-level features (features.3, 24 channels, stride 4) and the last (320, OS).
 */
const SETTINGS: [number, number, number, number][] = [
  [1, 16, 1, 1],
  [6, 24, 2, 2],
  [6, 32, 3, 2],
  [6, 64, 4, 2],
  [6, 96, 3, 1],
  [6, 160, 3, 2],
  [6, 320, 1, 1],
];

export function mobilenetV2Backbone(
  net: Net,
  x: string,
  prefix: string,
  width: number,
  outputStride: number,
): { low: string; high: string } {
  const p = `${prefix}features.`;
  let y = net.convBn(`${p}0.0`, `${p}0.1`, x, scaled(32, width), { k: 3, stride: 2 }, false);
  y = net.relu6(y);
  let current = 2;
  let dilation = 1;
  let index = 1;
  let low = '';
  for (const [t, c, n, s] of SETTINGS) {
    for (let i = 0; i < n; i++) {
      let stride = i === 0 ? s : 1;
      if (stride > 1 && current >= outputStride) {
        dilation *= stride;
        stride = 1;
      } else current *= stride;
      y = invertedResidual(net, `${p}${index}.conv.`, y, scaled(c, width), stride, t, dilation);
      if (index === 3) low = y;
      index++;
    }
  }
  return { low, high: y };
}

function invertedResidual(
  net: Net,
  p: string,
  x: string,
  cout: number,
  stride: number,
  t: number,
  dilation: number,
): string {
  const cin = net.channels(x);
  const hidden = cin * t;
  let y = x;
  let i = 0;
  if (t !== 1) {
    y = net.relu6(net.convBn(`${p}0.0`, `${p}0.1`, y, hidden, { k: 1 }, false));
    i = 1;
  }
  y = net.convBn(
    `${p}${i}.0`,
    `${p}${i}.1`,
    y,
    hidden,
    { k: 3, stride, dilation, pad: dilation, groups: hidden },
    false,
  );
  y = net.relu6(y);
  y = net.convBn(`${p}${i + 1}`, `${p}${i + 2}`, y, cout, { k: 1 }, false);
  return stride === 1 && cin === cout ? net.add(y, x) : y;
}
