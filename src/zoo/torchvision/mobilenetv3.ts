import type { Activation, Net } from '../layers.js';

/** One row of torchvision's MobileNetV3-Large table (Table 1 of the paper). */
interface Bneck {
  inC: number;
  kernel: number;
  expC: number;
  outC: number;
  se: boolean;
  act: Activation;
  stride: number;
  dilation: number;
}

/** torchvision's _make_divisible(v, 8). */
export function makeDivisible(v: number, divisor = 8): number {
  let n = Math.max(divisor, Math.floor((v + divisor / 2) / divisor) * divisor);
  if (n < 0.9 * v) n += divisor;
  return n;
}

/** mobilenet_v3_large's inverted-residual settings; `dilated` = the segmentation variant (C4 at dilation 2). */
function largeSettings(dilated: boolean): Bneck[] {
  const d = dilated ? 2 : 1;
  const rows: [number, number, number, number, boolean, 'RE' | 'HS', number, number][] = [
    [16, 3, 16, 16, false, 'RE', 1, 1],
    [16, 3, 64, 24, false, 'RE', 2, 1], // C1
    [24, 3, 72, 24, false, 'RE', 1, 1],
    [24, 5, 72, 40, true, 'RE', 2, 1], // C2
    [40, 5, 120, 40, true, 'RE', 1, 1],
    [40, 5, 120, 40, true, 'RE', 1, 1],
    [40, 3, 240, 80, false, 'HS', 2, 1], // C3
    [80, 3, 200, 80, false, 'HS', 1, 1],
    [80, 3, 184, 80, false, 'HS', 1, 1],
    [80, 3, 184, 80, false, 'HS', 1, 1],
    [80, 3, 480, 112, true, 'HS', 1, 1],
    [112, 3, 672, 112, true, 'HS', 1, 1],
    [112, 5, 672, 160, true, 'HS', 2, d], // C4
    [160, 5, 960, 160, true, 'HS', 1, d],
    [160, 5, 960, 160, true, 'HS', 1, d],
  ];
  return rows.map(([inC, kernel, expC, outC, se, act, stride, dilation]) => ({
    inC,
    kernel,
    expC,
    outC,
    se,
    act: act === 'HS' ? 'hardswish' : 'relu',
    stride,
    dilation,
  }));
}

/** torchvision's MobileNetV3 BatchNorm: eps 0.001. */
const EPS = 0.001;

/** SqueezeExcitation with Hardsigmoid scale: avgpool → fc1 → ReLU → fc2 → Hardsigmoid → × x. */
function squeezeExcite(net: Net, prefix: string, x: string, c: number): string {
  const squeeze = makeDivisible(c / 4);
  let s = net.globalAvgPool(x);
  s = net.act(net.conv(`${prefix}.fc1`, s, c, squeeze, { bias: true }), 'relu');
  s = net.act(net.conv(`${prefix}.fc2`, s, squeeze, c, { bias: true }), 'hardsigmoid');
  return net.mul(x, s);
}

/** InvertedResidual as module `prefix`: expand 1×1, depthwise k×k, optional SE, project 1×1, residual. */
function invertedResidual(net: Net, prefix: string, x: string, cfg: Bneck): string {
  let y = x;
  let i = 0;
  const at = () => `${prefix}.block.${i++}`;
  if (cfg.expC !== cfg.inC) y = net.seqConvBnAct(at(), y, cfg.inC, cfg.expC, { act: cfg.act, eps: EPS });
  y = net.seqConvBnAct(at(), y, cfg.expC, cfg.expC, {
    kernel: cfg.kernel,
    stride: cfg.dilation > 1 ? 1 : cfg.stride,
    dilation: cfg.dilation,
    groups: cfg.expC,
    act: cfg.act,
    eps: EPS,
  });
  if (cfg.se) y = squeezeExcite(net, at(), y, cfg.expC);
  y = net.seqConvBnAct(at(), y, cfg.expC, cfg.outC, { act: null, eps: EPS });
  return cfg.stride === 1 && cfg.inC === cfg.outC ? net.add(y, x) : y;
}

export interface MobileNetFeatures {
  /** Output of features[4] (C2: 40 channels, output stride 8). */
  low: string;
  lowChannels: number;
  /** Output of features[16] (C5: 960 channels, output stride 16 when dilated). */
  high: string;
  highChannels: number;
}

/**
 * mobilenet_v3_large(dilated=True).features as module `prefix` (torchvision keeps features[0..16]
 * under `backbone.<i>` in the segmentation models): the stem, 15 inverted residuals, the 1×1 to 960.
 */
export function mobileNetV3LargeFeatures(net: Net, prefix: string, x: string): MobileNetFeatures {
  const settings = largeSettings(true);
  let y = net.seqConvBnAct(`${prefix}.0`, x, 3, 16, { kernel: 3, stride: 2, act: 'hardswish', eps: EPS });
  let low = y;
  settings.forEach((cfg, i) => {
    y = invertedResidual(net, `${prefix}.${i + 1}`, y, cfg);
    if (i + 1 === 4) low = y;
  });
  const last = settings[settings.length - 1] as Bneck;
  const highChannels = 6 * last.outC;
  const high = net.seqConvBnAct(`${prefix}.16`, y, last.outC, highChannels, { act: 'hardswish', eps: EPS });
  return { low, lowChannels: 40, high, highChannels };
}
