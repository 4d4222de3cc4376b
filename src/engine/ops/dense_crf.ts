import { ShapeError, UnsupportedAttributeError } from '../../errors.js';
import { floatAttr, intAttr, stringAttr } from '../../graph/attrs.js';
import type { Node } from '../../graph/ir.js';
import type { CrfParams } from '../../post/crf/params.js';
import { elementsOf, fmt, req } from './shape-utils.js';
import type { OpDef, OutputInfo, ValueInfo } from './types.js';

/** ONNX domain atrous writes DenseCRF nodes in (it is not an ai.onnx op). */
export const ATROUS_DOMAIN = 'ai.atrous';
/** Ops of ATROUS_DOMAIN (the ONNX importer and exporter use this list). */
export const ATROUS_DOMAIN_OPS: ReadonlySet<string> = new Set(['DenseCRF']);

/** The CRF settings of a DenseCRF node (attributes default to the deeplab-v2 preset), checked. */
export function denseCrfParams(node: Node): CrfParams {
  const p: CrfParams = {
    iterations: intAttr(node, 'iterations', 10),
    posW: floatAttr(node, 'pos_w', 3),
    posXyStd: floatAttr(node, 'pos_xy', 1),
    biW: floatAttr(node, 'bi_w', 4),
    biXyStd: floatAttr(node, 'bi_xy', 67),
    biRgbStd: floatAttr(node, 'bi_rgb', 3),
  };
  const bad = (attr: string, v: number, want: string) =>
    new UnsupportedAttributeError(node.name, node.op, attr, `must be ${want}, got ${v}`);
  if (p.iterations < 0) throw bad('iterations', p.iterations, '>= 0');
  for (const [attr, v] of [
    ['pos_w', p.posW],
    ['bi_w', p.biW],
  ] as const) {
    if (!(v >= 0) || !Number.isFinite(v)) throw bad(attr, v, 'a finite number >= 0');
  }
  for (const [attr, v] of [
    ['pos_xy', p.posXyStd],
    ['bi_xy', p.biXyStd],
    ['bi_rgb', p.biRgbStd],
  ] as const) {
    if (!(v > 0) || !Number.isFinite(v)) throw bad(attr, v, 'a finite number > 0');
  }
  return p;
}

/** Whether input 0 holds probabilities ('probs') or unnormalized scores ('logits'). */
export function denseCrfInputKind(node: Node): 'probs' | 'logits' {
  return stringAttr(node, 'input_kind', 'probs') === 'logits' ? 'logits' : 'probs';
}

function checkNchw(node: Node, x: ValueInfo, what: string): void {
  if (x.shape.length !== 4) {
    throw new ShapeError(node.name, node.op, `${what} must be rank 4 (N, C, H, W), got ${fmt(x.shape)}`);
  }
  if (x.dtype !== 'float32' && x.dtype !== 'float64') {
    throw new ShapeError(node.name, node.op, `${what} must be float32 or float64, got ${x.dtype}`);
  }
}

/**
 * Dense-CRF mean field (Krähenbühl & Koltun 2011, Potts, smoothness + appearance kernels) as a
 * graph op: input 0 the class probabilities or logits (N, C, H, W), input 1 the image
 * (N, 3, H, W) with 0-255 values; output Q (N, C, H, W) float32. An atrous extension, written to
 * ONNX in the 'ai.atrous' domain.
 */
export const DenseCRF: OpDef = {
  op: 'DenseCRF',
  stem: 'dense_crf',
  inputs: { min: 2, max: 2 },
  outputs: { min: 1, max: 1 },
  attrs: {
    iterations: { type: 'int', default: 10 },
    pos_w: { type: 'float', default: 3 },
    pos_xy: { type: 'float', default: 1 },
    bi_w: { type: 'float', default: 4 },
    bi_xy: { type: 'float', default: 67 },
    bi_rgb: { type: 'float', default: 3 },
    input_kind: { type: 'string', default: 'probs', oneOf: ['probs', 'logits'] },
  },
  inferShape(node, inputs): OutputInfo[] {
    const x = req(node, inputs, 0);
    const img = req(node, inputs, 1);
    checkNchw(node, x, 'scores');
    checkNchw(node, img, 'image');
    denseCrfParams(node);
    if (typeof img.shape[1] === 'number' && img.shape[1] !== 3) {
      throw new ShapeError(node.name, node.op, `image must have 3 channels (RGB), got ${fmt(img.shape)}`);
    }
    for (const [axis, name] of [
      [0, 'batch'],
      [2, 'height'],
      [3, 'width'],
    ] as const) {
      const a = x.shape[axis];
      const b = img.shape[axis];
      if (typeof a === 'number' && typeof b === 'number' && a !== b) {
        throw new ShapeError(
          node.name,
          node.op,
          `scores ${fmt(x.shape)} and image ${fmt(img.shape)} differ in ${name}`,
        );
      }
    }
    return [{ dtype: 'float32', shape: [...x.shape] }];
  },
  // Per iteration and class: splat, blur and slice through a 3- and a 6-vertex lattice, ~40 flops.
  flops: (node, inputs) => elementsOf(inputs[0]) * 40 * intAttr(node, 'iterations', 10),
};
