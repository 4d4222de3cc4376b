import type { Net } from '../layers.js';

/** FCNHead as module `prefix`: 3×3 conv to in/4, BN, ReLU, (Dropout), 1×1 conv to classes. */
export function fcnHead(net: Net, prefix: string, x: string, inC: number, classes: number): string {
  const inter = Math.floor(inC / 4);
  const y = net.seqConvBnAct(prefix, x, inC, inter, { kernel: 3 });
  return net.conv(`${prefix}.4`, y, inter, classes, { bias: true });
}

/**
 * ASPP as module `prefix`: 1×1 branch, one 3×3 atrous branch per rate, image pooling
 * (avgpool → 1×1 → BN → ReLU → bilinear back), concat, 1×1 projection (+ Dropout, a no-op here).
 */
export function aspp(
  net: Net,
  prefix: string,
  x: string,
  inC: number,
  rates: readonly number[],
  outC = 256,
): string {
  const branches = [net.seqConvBnAct(`${prefix}.convs.0`, x, inC, outC)];
  rates.forEach((rate, i) => {
    branches.push(net.seqConvBnAct(`${prefix}.convs.${i + 1}`, x, inC, outC, { kernel: 3, dilation: rate }));
  });
  const pooled = net.globalAvgPool(x);
  const p = rates.length + 1;
  const pool = net.convBnAct(`${prefix}.convs.${p}.1`, `${prefix}.convs.${p}.2`, pooled, inC, outC);
  branches.push(net.resizeLike(pool, x));
  const cat = net.b.op('Concat', branches, { axis: 1 });
  return net.seqConvBnAct(`${prefix}.project`, cat, branches.length * outC, outC);
}

/** DeepLabHead as module `prefix`: ASPP, 3×3 conv + BN + ReLU, 1×1 conv to classes. */
export function deepLabHead(
  net: Net,
  prefix: string,
  x: string,
  inC: number,
  classes: number,
  rates: readonly number[] = [12, 24, 36],
): string {
  const a = aspp(net, `${prefix}.0`, x, inC, rates);
  const y = net.convBnAct(`${prefix}.1`, `${prefix}.2`, a, 256, 256, { kernel: 3 });
  return net.conv(`${prefix}.4`, y, 256, classes, { bias: true });
}

/**
 * LRASPPHead as module `prefix`: cbr(high) × sigmoid(1×1(avgpool(high))), bilinear to the low
 * features' size, then low_classifier(low) + high_classifier(·).
 */
export function lrasppHead(
  net: Net,
  prefix: string,
  low: string,
  lowC: number,
  high: string,
  highC: number,
  classes: number,
  inter = 128,
): string {
  const x = net.seqConvBnAct(`${prefix}.cbr`, high, highC, inter);
  const s = net.act(net.conv(`${prefix}.scale.1`, net.globalAvgPool(high), highC, inter), 'sigmoid');
  const up = net.resizeLike(net.mul(x, s), low);
  const lowOut = net.conv(`${prefix}.low_classifier`, low, lowC, classes, { bias: true });
  const highOut = net.conv(`${prefix}.high_classifier`, up, inter, classes, { bias: true });
  return net.add(lowOut, highOut);
}
