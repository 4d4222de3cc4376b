import { ImageFormatError } from '../../errors.js';
import { decodePngChecked } from '../../io/image.js';
import { vocPalette } from '../../io/mask.js';

/**
 * Label PNG formats:
 * - voc: PASCAL VOC SegmentationClass PNGs, palette images whose palette index is the class
 *   (0 background … 20 tvmonitor, 255 = ignore/boundary). RGB label PNGs painted with the VOC
 *   colours are mapped back to indices (an unknown colour is an error).
 * - cityscapes: `*_gtFine_labelIds.png` (ids 0..33, mapped to the 19 train ids, everything else
 *   255) or `*_labelTrainIds.png` (train ids used directly); a file name without "trainIds" is
 *   taken as labelIds.
 * - plain: single-channel 8/16-bit PNGs whose value is the class (palette PNGs: the index).
 */
export type LabelFormat = 'voc' | 'cityscapes' | 'plain';
export const LABEL_FORMATS: readonly LabelFormat[] = ['voc', 'cityscapes', 'plain'];

export const VOC_CLASSES: readonly string[] = [
  'background',
  'aeroplane',
  'bicycle',
  'bird',
  'boat',
  'bottle',
  'bus',
  'car',
  'cat',
  'chair',
  'cow',
  'diningtable',
  'dog',
  'horse',
  'motorbike',
  'person',
  'pottedplant',
  'sheep',
  'sofa',
  'train',
  'tvmonitor',
];

export const CITYSCAPES_CLASSES: readonly string[] = [
  'road',
  'sidewalk',
  'building',
  'wall',
  'fence',
  'pole',
  'traffic light',
  'traffic sign',
  'vegetation',
  'terrain',
  'sky',
  'person',
  'rider',
  'car',
  'truck',
  'bus',
  'train',
  'motorcycle',
  'bicycle',
];

/** Cityscapes labelId → trainId (cityscapesScripts helpers/labels.py); ids not listed → 255. */
const CITYSCAPES_TRAIN_ID: Record<number, number> = {
  7: 0,
  8: 1,
  11: 2,
  12: 3,
  13: 4,
  17: 5,
  19: 6,
  20: 7,
  21: 8,
  22: 9,
  23: 10,
  24: 11,
  25: 12,
  26: 13,
  27: 14,
  28: 15,
  31: 16,
  32: 17,
  33: 18,
};

/** labelIds 0..33 to train ids; values above 33 are kept (and then reported as unknown). */
export function cityscapesTrainIds(ids: Uint8Array | Uint16Array): Uint8Array | Uint16Array {
  const table = new Uint16Array(65536);
  for (let i = 0; i < table.length; i++) table[i] = i <= 33 ? (CITYSCAPES_TRAIN_ID[i] ?? 255) : i;
  const out = ids.slice();
  for (let i = 0; i < out.length; i++) out[i] = table[out[i] as number] as number;
  return out;
}

export interface LabelMap {
  width: number;
  height: number;
  labels: Uint8Array | Uint16Array;
}

/** The built-in class names of a format (plain has none). */
export function builtinClasses(format: LabelFormat): readonly string[] | undefined {
  return format === 'voc' ? VOC_CLASSES : format === 'cityscapes' ? CITYSCAPES_CLASSES : undefined;
}

/** One sample per pixel, unpacking 1/2/4-bit rows (each padded to a byte). */
function samples(data: ArrayLike<number>, width: number, height: number, channels: number, depth: number) {
  if (depth >= 8) return data;
  const perRow = width * channels;
  const rowBytes = Math.ceil((perRow * depth) / 8);
  const out = new Uint8Array(perRow * height);
  const mask = (1 << depth) - 1;
  for (let y = 0; y < height; y++) {
    for (let i = 0; i < perRow; i++) {
      const bit = i * depth;
      out[y * perRow + i] = ((data[y * rowBytes + (bit >> 3)] as number) >> (8 - depth - (bit & 7))) & mask;
    }
  }
  return out;
}

/** Decodes a label PNG into class indices (raw palette indices for palette PNGs). */
export function decodeLabelPng(bytes: Uint8Array, format: LabelFormat, fileName = ''): LabelMap {
  const png = decodePngChecked(bytes, 'label PNG');
  const { width, height, channels, depth } = png;
  const n = width * height;
  const s = samples(png.data, width, height, channels, depth);
  let labels: Uint8Array | Uint16Array = depth === 16 ? new Uint16Array(n) : new Uint8Array(n);
  if (channels <= 2) {
    for (let p = 0; p < n; p++) labels[p] = s[p * channels] as number;
  } else if (format === 'voc') {
    labels = vocColoursToIndices(s, n, channels);
  } else {
    for (let p = 0; p < n; p++) {
      const r = s[p * channels] as number;
      if (r !== s[p * channels + 1] || r !== s[p * channels + 2]) {
        throw new ImageFormatError(
          `label PNG is colour (RGB) at pixel ${p}; ${format} labels must be single-channel or palette PNGs`,
        );
      }
      labels[p] = r;
    }
  }
  if (format === 'cityscapes' && !/trainid/i.test(fileName)) labels = cityscapesTrainIds(labels);
  return { width, height, labels };
}

let vocLookup: Map<number, number> | undefined;

function vocColoursToIndices(s: ArrayLike<number>, n: number, channels: number): Uint8Array {
  vocLookup ??= new Map(vocPalette(256).map(([r, g, b], i) => [(r << 16) | (g << 8) | b, i]));
  const out = new Uint8Array(n);
  for (let p = 0; p < n; p++) {
    const key =
      ((s[p * channels] as number) << 16) |
      ((s[p * channels + 1] as number) << 8) |
      (s[p * channels + 2] as number);
    const idx = vocLookup.get(key);
    if (idx === undefined) {
      throw new ImageFormatError(
        `label PNG colour ${key.toString(16).padStart(6, '0')} at pixel ${p} is not a VOC palette colour`,
      );
    }
    out[p] = idx;
  }
  return out;
}

/** Label values that are neither a class (< classes) nor the ignore label, with their pixel counts. */
export function unknownLabels(
  labels: Uint8Array | Uint16Array,
  classes: number,
  ignoreLabel: number,
): Map<number, number> {
  const hist = new Float64Array(labels instanceof Uint8Array ? 256 : 65536);
  for (let i = 0; i < labels.length; i++) hist[labels[i] as number]++;
  const out = new Map<number, number>();
  for (let v = classes; v < hist.length; v++) if (hist[v] && v !== ignoreLabel) out.set(v, hist[v] as number);
  return out;
}
