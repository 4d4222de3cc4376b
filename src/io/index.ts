/**
 * Browser-safe I/O: .npy, PNG/JPEG decoding, preprocessing and masks (no node:* imports).
 * The Node file helpers are in ./node.ts.
 */
export {
  decodeImage,
  decodeJpeg,
  decodePng,
  IMAGENET_MEAN,
  IMAGENET_STD,
  type ImageKind,
  type ImageToTensorOptions,
  imageToTensor,
  type RgbImage,
  resizeBilinear,
  sniffImage,
} from './image.js';
export {
  type ArgmaxOptions,
  argmaxMask,
  encodeBinaryMaskPng,
  encodeMaskPng,
  encodeRgbPng,
  labelsToMask,
  type Mask,
  maskToRgb,
  overlay,
  overlayPng,
  resizeMaskNearest,
  vocPalette,
} from './mask.js';
export { encodeNpy, type NpyHeader, npyHeaderText, parseNpy, parseNpyHeader } from './npy.js';
