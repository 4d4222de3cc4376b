import { type Net, scaled } from './blocks.js';

/** Default atrous rates: (6, 12, 18) at output stride 16, doubled at 8 (DeepLab v3). */
export function defaultRates(outputStride: number, rates: number[]): number[] {
  if (rates.length > 0) return rates;
  return outputStride === 8 ? [12, 24, 36] : outputStride === 32 ? [3, 6, 9] : [6, 12, 18];
}

/**
 * ASPP with torchvision's names under `prefix` (DeepLab v3): convs.0 = 1x1, convs.{1..} = 3x3
 * dilated (each `.0` conv without bias, `.1` BN, ReLU), convs.{n+1} = image pooling (global
 * average pool, `.1` 1x1 conv, `.2` BN, ReLU, bilinear back to the feature size), then
 * project.0 (1x1 over the concat) + project.1 (BN) + ReLU. 256 * width channels.
 */
export function aspp(net: Net, x: string, prefix: string, rates: number[], width: number): string {
  const ch = scaled(256, width);
  const [h, w] = net.shape(x).slice(2) as [number, number];
  const branches = [net.convBn(`${prefix}convs.0.0`, `${prefix}convs.0.1`, x, ch, { k: 1 })];
  rates.forEach((r, i) => {
    branches.push(
      net.convBn(`${prefix}convs.${i + 1}.0`, `${prefix}convs.${i + 1}.1`, x, ch, {
        k: 3,
        pad: r,
        dilation: r,
      }),
    );
  });
  const p = rates.length + 1;
  const pooled = net.convBn(`${prefix}convs.${p}.1`, `${prefix}convs.${p}.2`, net.globalAvgPool(x), ch, {
    k: 1,
  });
  branches.push(net.resize(pooled, h, w));
  return net.convBn(`${prefix}project.0`, `${prefix}project.1`, net.concat(branches), ch, { k: 1 });
}

/**
 * DeepLab v3+ decoder: upsample the ASPP output bilinearly to the low-level features' size (4x),
 * decoder.reduce.0/.1 (1x1 conv to 48 * width + BN + ReLU) on the low-level features, concat,
 * decoder.fuse.0/.1 and decoder.fuse.3/.4 (two 3x3 conv + BN + ReLU, 256 * width), classifier
 * (1x1 with bias), then bilinear upsampling to the input size (4x).
 */
export function v3plusDecoder(
  net: Net,
  high: string,
  low: string,
  classes: number,
  width: number,
  size: [number, number],
): string {
  const [lh, lw] = net.shape(low).slice(2) as [number, number];
  const up = net.resize(high, lh, lw);
  const reduced = net.convBn('decoder.reduce.0', 'decoder.reduce.1', low, scaled(48, width), { k: 1 });
  const ch = scaled(256, width);
  let y = net.convBn('decoder.fuse.0', 'decoder.fuse.1', net.concat([up, reduced]), ch, { k: 3 });
  y = net.convBn('decoder.fuse.3', 'decoder.fuse.4', y, ch, { k: 3 });
  y = net.conv('classifier', y, classes, { k: 1, bias: true });
  return net.resize(y, size[0], size[1]);
}
