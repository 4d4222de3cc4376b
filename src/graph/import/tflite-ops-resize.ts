import { UnsupportedAttributeError } from '../../errors.js';
import type { Attrs } from '../ir.js';
import type { TflContext } from './tflite-context.js';
import type { TflOperator } from './tflite-schema.js';

/**
 * RESIZE_BILINEAR / RESIZE_NEAREST_NEIGHBOR → ONNX Resize on NCHW with the output size of the file.
 * TFLite's reference kernels map to ONNX coordinate modes exactly:
 *  bilinear: align_corners → align_corners; half_pixel_centers → half_pixel (TF clamps the source
 *  row to [0, in-1], as ONNX's edge handling does); neither → asymmetric.
 *  nearest: neither → asymmetric + floor; align_corners → align_corners + round half up (std::round);
 *  half_pixel_centers → tf_half_pixel_for_nn + floor.
 */
export function resizeOp(ctx: TflContext, op: TflOperator, bilinear: boolean): void {
  const o = op.options;
  // ResizeBilinearOptions: new_height 0, new_width 1 (deprecated), align_corners 2, half_pixel_centers 3.
  // ResizeNearestNeighborOptions: align_corners 0, half_pixel_centers 1.
  const align = o?.bool(bilinear ? 2 : 0) ?? false;
  const half = o?.bool(bilinear ? 3 : 1) ?? false;
  if (align && half) {
    throw new UnsupportedAttributeError(
      ctx.label,
      ctx.opName,
      'half_pixel_centers',
      'and align_corners are both set; TFLite rejects this combination too',
    );
  }
  const xi = op.inputs[0] as number;
  const out = op.outputs[0] as number;
  const [N, H, W, C] = ctx.shape(out) as [number, number, number, number];
  const inShape = ctx.shape(xi);
  if (ctx.rank(out) !== 4 || inShape[0] !== N || inShape[3] !== C) {
    throw new UnsupportedAttributeError(
      ctx.label,
      ctx.opName,
      'size',
      `resizes [${inShape.join(', ')}] to [${ctx.shape(out).join(', ')}]; only H and W of an NHWC tensor may change`,
    );
  }
  const attrs: Attrs = bilinear
    ? {
        mode: 'linear',
        coordinate_transformation_mode: align ? 'align_corners' : half ? 'half_pixel' : 'asymmetric',
      }
    : {
        mode: 'nearest',
        coordinate_transformation_mode: align
          ? 'align_corners'
          : half
            ? 'tf_half_pixel_for_nn'
            : 'asymmetric',
        nearest_mode: align ? 'round_prefer_ceil' : 'floor',
      };
  const x = ctx.nchw(xi);
  const y = ctx.output(out, 'nchw');
  ctx.emit('Resize', [x, '', '', ctx.int64s(`${y}/sizes`, [N, C, H, W])], attrs, [y]);
}
