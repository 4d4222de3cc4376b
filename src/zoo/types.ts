import type { Graph } from '../graph/ir.js';

/** What a zoo builder can be asked for; each builder documents which fields it honours. */
export interface ZooConfig {
  /** Number of output classes (default per model, usually 21 = PASCAL VOC). */
  classes?: number;
  /** Backbone output stride, reached with dilation as the DeepLab papers do. */
  outputStride?: 8 | 16 | 32;
  /** Atrous rates of the ASPP/KSAC head (default per model). */
  rates?: number[];
  /** Channel width multiplier or base width (U-Net), per model. */
  width?: number;
  /** Input size [H, W] of the graph's input (default per model). */
  inputSize?: [number, number];
  /** Number of points (PointNet). */
  points?: number;
  /** Auxiliary heads where the architecture has them (off by default). */
  aux?: boolean;
  /** Seed for the random weights the graph is built with. */
  seed?: number;
}

/**
 * One architecture of the zoo. `build` returns a Graph whose initializers are the model's
 * parameters under their documented names (torchvision's state_dict keys for torchvision models),
 * filled with seeded random values; load real weights by name with the zoo's weight loader.
 */
export interface ZooModel {
  name: string;
  task: 'segmentation' | 'point-segmentation';
  source: 'torchvision' | 'paper';
  description: string;
  /** The defaults `build` uses for fields the caller leaves out. */
  defaults: ZooConfig;
  build(config?: ZooConfig): Graph;
}
