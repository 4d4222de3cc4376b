import { type Net, scaled } from './blocks.js';

/**
 * Aligned Xception-65 (DeepLab v3+ variant: every max pool replaced by a strided separable conv,
 * 16 middle-flow blocks, extra exit separable convs), names under `prefix`:
 *   conv1 / bn1 (3x3 s2, 32), conv2 / bn2 (3x3, 64), each + ReLU
 *   block{1..20}.sep{1,2,3}.dw / .bn_dw / .pw / .bn_pw   separable conv: depthwise 3x3 (dilated,
 *       stride on sep3 only) + BN + pointwise 1x1 + BN + ReLU
 *   block{i}.skip / .skip_bn   1x1 conv + BN shortcut where channels or stride change (else identity)
 *   exit{1,2,3}.dw / .bn_dw / .pw / .bn_pw                1536, 1536, 2048
 * Entry blocks 1-3 (128, 256, 728, stride 2), middle blocks 4-19 (728), exit block 20
 * (728, 1024, 1024, stride 2). A stride that would pass the output stride becomes dilation
 * (x2) for that block and everything after it. Symmetric padding = dilation (not TF 'SAME').
 * Returns the low-level features (block1, stride 4) and the last features (2048, OS).
 */
export function xception65Backbone(
  net: Net,
  x: string,
  prefix: string,
  width: number,
  outputStride: number,
): { low: string; high: string } {
  const s = (c: number) => scaled(c, width);
  let y = net.convBn(`${prefix}conv1`, `${prefix}bn1`, x, s(32), { k: 3, stride: 2 });
  y = net.convBn(`${prefix}conv2`, `${prefix}bn2`, y, s(64), { k: 3 });
  let current = 2;
  let dilation = 1;
  const stride2 = (): number => {
    if (current >= outputStride) {
      dilation *= 2;
      return 1;
    }
    current *= 2;
    return 2;
  };
  let low = '';
  const specs: [number[], boolean][] = [
    [[128, 128, 128], true],
    [[256, 256, 256], true],
    [[728, 728, 728], true],
    ...Array.from({ length: 16 }, (): [number[], boolean] => [[728, 728, 728], false]),
    [[728, 1024, 1024], true],
  ];
  specs.forEach(([chans, strided], i) => {
    const stride = strided ? stride2() : 1;
    y = block(net, `${prefix}block${i + 1}`, y, chans.map(s), stride, dilation);
    if (i === 0) low = y;
  });
  [1536, 1536, 2048].forEach((c, i) => {
    y = sepConv(net, `${prefix}exit${i + 1}`, y, s(c), 1, dilation);
  });
  return { low, high: y };
}

function sepConv(net: Net, p: string, x: string, cout: number, stride: number, dilation: number): string {
  const cin = net.channels(x);
  const y = net.convBn(
    `${p}.dw`,
    `${p}.bn_dw`,
    x,
    cin,
    { k: 3, stride, dilation, pad: dilation, groups: cin },
    false,
  );
  return net.convBn(`${p}.pw`, `${p}.bn_pw`, y, cout, { k: 1 });
}

function block(net: Net, p: string, x: string, chans: number[], stride: number, dilation: number): string {
  let y = x;
  chans.forEach((c, i) => {
    y = sepConv(net, `${p}.sep${i + 1}`, y, c, i === 2 ? stride : 1, dilation);
  });
  const cout = chans[2] as number;
  const skip =
    stride !== 1 || net.channels(x) !== cout
      ? net.convBn(`${p}.skip`, `${p}.skip_bn`, x, cout, { k: 1, stride }, false)
      : x;
  return net.add(y, skip);
}
