import type { ZooModel } from '../types.js';
import { deeplab_v1 } from './deeplab_v1.js';
import { deeplab_v2 } from './deeplab_v2.js';
import {
  deeplab_v3plus_mobilenet_v2,
  deeplab_v3plus_resnet50,
  deeplab_v3plus_resnet101,
  deeplab_v3plus_xception65,
} from './deeplab_v3plus.js';
import { fcn8s, fcn16s, fcn32s } from './fcn.js';
import { gcn } from './gcn.js';
import { ksac } from './ksac.js';
import { pointnet_seg } from './pointnet.js';
import { unet } from './unet.js';

/** Models built from their papers, with documented parameter names (see each file's header). */
export const PAPER_MODELS: readonly ZooModel[] = [
  fcn32s,
  fcn16s,
  fcn8s,
  unet,
  deeplab_v1,
  deeplab_v2,
  deeplab_v3plus_resnet50,
  deeplab_v3plus_resnet101,
  deeplab_v3plus_mobilenet_v2,
  deeplab_v3plus_xception65,
  gcn,
  ksac,
  pointnet_seg,
];
