import { decode as decodePng } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { Tensor } from '../../src/engine/tensor.js';
import { InputError } from '../../src/errors.js';
import { decodeImage, type RgbImage } from '../../src/io/image.js';
import {
  argmaxMask,
  encodeBinaryMaskPng,
  encodeMaskPng,
  labelsToMask,
  type Mask,
  maskToRgb,
  overlay,
  overlayPng,
  resizeMaskNearest,
  vocPalette,
} from '../../src/io/mask.js';

describe('vocPalette', () => {
  it('matches the PASCAL VOC colour map', () => {
    const p = vocPalette(256);
    expect(p.slice(0, 9)).toEqual([
      [0, 0, 0],
      [128, 0, 0],
      [0, 128, 0],
      [128, 128, 0],
      [0, 0, 128],
      [128, 0, 128],
      [0, 128, 128],
      [128, 128, 128],
      [64, 0, 0],
    ]);
    expect(p[15]).toEqual([192, 128, 128]); // person
    expect(p[20]).toEqual([0, 64, 128]); // tv/monitor
    expect(p[255]).toEqual([224, 224, 192]); // the 'void' border colour
  });
});

describe('argmaxMask', () => {
  // C=3, H=1, W=4: class planes.
  const scores = [
    [0, 5, 1, 2], // class 0
    [1, 5, 0, 9], // class 1
    [2, -1, 0, 9], // class 2
  ];
  const flat = scores.flat();

  it('takes the argmax over C for (1, C, H, W), ties to the lower class', () => {
    const m = argmaxMask(Tensor.fromNumbers('float32', [1, 3, 1, 4], flat));
    expect([m.width, m.height, m.classes]).toEqual([4, 1, 3]);
    expect([...m.labels]).toEqual([2, 0, 0, 1]);
    expect(m.labels).toBeInstanceOf(Uint8Array);
  });

  it('accepts (C, H, W) and float64', () => {
    const m = argmaxMask(Tensor.fromNumbers('float64', [3, 2, 2], flat));
    expect([m.width, m.height]).toEqual([2, 2]);
    expect([...m.labels]).toEqual([2, 0, 0, 1]);
  });

  it('uses 16-bit labels past 256 classes', () => {
    const c = 300;
    const values = new Float32Array(c * 2);
    values[299 * 2 + 1] = 1; // pixel 1 → class 299
    const m = argmaxMask(new Tensor('float32', [1, c, 1, 2], values));
    expect(m.labels).toBeInstanceOf(Uint16Array);
    expect([...m.labels]).toEqual([0, 299]);
  });

  it('thresholds a single channel into a binary mask', () => {
    const t = Tensor.fromNumbers('float32', [1, 1, 1, 4], [-2, 0, 0.3, 4]);
    expect([...argmaxMask(t).labels]).toEqual([0, 0, 1, 1]);
    expect([...argmaxMask(t, { threshold: 0.5 }).labels]).toEqual([0, 0, 0, 1]);
    expect(argmaxMask(t).classes).toBe(2);
  });

  it('rejects other shapes', () => {
    expect(() => argmaxMask(Tensor.fromNumbers('float32', [2, 3, 1, 1], new Array(6).fill(0)))).toThrow(
      /\(1, C, H, W\) or \(C, H, W\), got \[2, 3, 1, 1\]/,
    );
    expect(() => argmaxMask(Tensor.fromNumbers('float32', [4], [1, 2, 3, 4]))).toThrow(InputError);
  });
});

describe('labelsToMask', () => {
  it('takes int labels of shape (1, 1, H, W)', () => {
    const m = labelsToMask(Tensor.fromNumbers('int64', [1, 1, 2, 2], [0, 3, 1, 3]));
    expect([m.width, m.height, m.classes]).toEqual([2, 2, 4]);
    expect([...m.labels]).toEqual([0, 3, 1, 3]);
  });
  it('rejects negative labels and batches', () => {
    expect(() => labelsToMask(Tensor.fromNumbers('int32', [2, 2], [0, -1, 0, 0]))).toThrow(
      /label -1 at pixel 1/,
    );
    expect(() => labelsToMask(Tensor.fromNumbers('int32', [2, 1, 1], [0, 0]))).toThrow(InputError);
  });
});

const mask2x2: Mask = { width: 2, height: 2, labels: Uint8Array.from([0, 1, 2, 15]), classes: 21 };

describe('resizeMaskNearest', () => {
  it('upsamples to blocks', () => {
    const m = resizeMaskNearest(mask2x2, 4, 4);
    expect([...m.labels]).toEqual([0, 0, 1, 1, 0, 0, 1, 1, 2, 2, 15, 15, 2, 2, 15, 15]);
    expect(m.classes).toBe(21);
  });
  it('downsamples by picking the pixel under each centre', () => {
    const big: Mask = { width: 4, height: 1, labels: Uint8Array.from([1, 2, 3, 4]), classes: 5 };
    expect([...resizeMaskNearest(big, 2, 1).labels]).toEqual([2, 4]);
    // Centres of 3 pixels over 4 fall at 0.67, 2 and 3.33.
    expect([...resizeMaskNearest(big, 3, 1).labels]).toEqual([1, 3, 4]);
  });
});

describe('mask PNGs', () => {
  it('writes an indexed PNG whose pixels are the class indices', () => {
    const png = decodePng(encodeMaskPng(mask2x2));
    expect([png.width, png.height, png.depth, png.channels]).toEqual([2, 2, 8, 1]);
    expect([...png.data]).toEqual([0, 1, 2, 15]);
    expect(png.palette?.length).toBe(21);
    expect(png.palette?.[15]).toEqual([192, 128, 128]);
    // Viewers see the colours.
    expect([...decodeImage(encodeMaskPng(mask2x2)).data]).toEqual([
      0, 0, 0, 128, 0, 0, 0, 128, 0, 192, 128, 128,
    ]);
  });

  it('falls back to RGB when labels exceed 255', () => {
    const m: Mask = { width: 2, height: 1, labels: Uint16Array.from([1, 300]), classes: 301 };
    const png = decodePng(encodeMaskPng(m));
    expect(png.channels).toBe(3);
    expect([...png.data]).toEqual([...maskToRgb(m).data]);
    expect([...png.data.slice(3)]).toEqual(vocPalette(301)[300]);
  });

  it('writes a black-and-white binary mask', () => {
    const png = decodePng(encodeBinaryMaskPng(mask2x2));
    expect(png.channels).toBe(1);
    expect([...png.data]).toEqual([0, 255, 255, 255]);
  });
});

describe('overlay', () => {
  const image: RgbImage = { width: 4, height: 4, data: new Uint8Array(4 * 4 * 3).fill(100) };

  it('blends class colours over non-background pixels, resizing the mask to the image', () => {
    const out = overlay(image, mask2x2, 0.5);
    expect([out.width, out.height]).toEqual([4, 4]);
    const px = (x: number, y: number) => [...out.data.subarray((y * 4 + x) * 3, (y * 4 + x) * 3 + 3)];
    expect(px(0, 0)).toEqual([100, 100, 100]); // background: untouched
    expect(px(1, 1)).toEqual([100, 100, 100]);
    expect(px(2, 0)).toEqual([114, 50, 50]); // (100 + 128) / 2 = 114, (100 + 0) / 2 = 50
    expect(px(3, 3)).toEqual([146, 114, 114]); // class 15 (192, 128, 128)
    expect(image.data[0]).toBe(100); // the input is not modified
  });

  it('alpha 0 keeps the image and alpha 1 paints the colour; out-of-range alpha is an error', () => {
    expect(overlay(image, mask2x2, 0).data).toEqual(image.data);
    expect([...overlay(image, mask2x2, 1).data.subarray(6, 9)]).toEqual([128, 0, 0]);
    expect(() => overlay(image, mask2x2, 1.5)).toThrow(InputError);
  });

  it('encodes the overlay as an RGB PNG', () => {
    const decoded = decodeImage(overlayPng(image, mask2x2));
    expect(decoded.data).toEqual(overlay(image, mask2x2).data);
  });
});
