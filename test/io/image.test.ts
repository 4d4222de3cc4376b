import { encode as encodePng } from 'fast-png';
import jpeg from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import { Tensor } from '../../src/engine/tensor.js';
import { ImageFormatError, InputError } from '../../src/errors.js';
import {
  decodeImage,
  decodeJpeg,
  decodePng,
  imageToTensor,
  type RgbImage,
  resizeBilinear,
  sniffImage,
} from '../../src/io/image.js';
import { Rng } from '../../src/util/random.js';
import { expectClose } from '../helpers/compare.js';

const W = 5;
const H = 3;
const rng = new Rng(11);
/** The expected RGB pixels every PNG variant below encodes. */
const rgb = Uint8Array.from({ length: W * H * 3 }, () => rng.int(0, 255));
const gray = Uint8Array.from({ length: W * H }, () => rng.int(0, 255));

function decoded(bytes: Uint8Array): RgbImage {
  const img = decodeImage(bytes);
  expect([img.width, img.height]).toEqual([W, H]);
  return img;
}

/** Gray values replicated to R, G, B. */
const grayAsRgb = (g: ArrayLike<number>) =>
  Uint8Array.from({ length: g.length * 3 }, (_, i) => g[Math.floor(i / 3)] as number);

describe('decodeImage: PNG', () => {
  it('RGB 8-bit', () => {
    expect(decoded(encodePng({ width: W, height: H, data: rgb, channels: 3, depth: 8 })).data).toEqual(rgb);
  });

  it('RGBA 8-bit drops alpha', () => {
    const rgba = new Uint8Array(W * H * 4);
    for (let p = 0; p < W * H; p++) {
      rgba.set(rgb.subarray(3 * p, 3 * p + 3), 4 * p);
      rgba[4 * p + 3] = p * 10;
    }
    expect(decoded(encodePng({ width: W, height: H, data: rgba, channels: 4, depth: 8 })).data).toEqual(rgb);
  });

  it('gray and gray+alpha 8-bit replicate the gray value', () => {
    expect(decoded(encodePng({ width: W, height: H, data: gray, channels: 1, depth: 8 })).data).toEqual(
      grayAsRgb(gray),
    );
    const ga = new Uint8Array(W * H * 2);
    gray.forEach((g, p) => {
      ga[2 * p] = g;
      ga[2 * p + 1] = 255 - g;
    });
    expect(decoded(encodePng({ width: W, height: H, data: ga, channels: 2, depth: 8 })).data).toEqual(
      grayAsRgb(gray),
    );
  });

  it('16-bit RGB and gray are scaled to 8 bits', () => {
    const rgb16 = Uint16Array.from(rgb, (v) => v * 257);
    expect(decoded(encodePng({ width: W, height: H, data: rgb16, channels: 3, depth: 16 })).data).toEqual(
      rgb,
    );
    // 0x1280 = 4736 → 4736 * 255 / 65535 = 18.43 → 18.
    const g16 = Uint16Array.from(gray, (v, i) => (i === 0 ? 0x1280 : v * 257));
    const expected = grayAsRgb(gray);
    expected.fill(18, 0, 3);
    expect(decoded(encodePng({ width: W, height: H, data: g16, channels: 1, depth: 16 })).data).toEqual(
      expected,
    );
  });

  it('1-bit gray (packed rows) maps 0/1 to 0/255', () => {
    // Row of 5 pixels 1,0,1,1,0 → bits 10110 000 = 0xb0; each row padded to a byte.
    const packed = Uint8Array.from([0xb0, 0xb0, 0xb0]);
    const img = decoded(encodePng({ width: W, height: H, data: packed, channels: 1, depth: 1 }));
    expect(img.data.subarray(0, 15)).toEqual(grayAsRgb([255, 0, 255, 255, 0]));
  });

  it('palette 8-bit and 4-bit', () => {
    const palette = [
      [255, 0, 0],
      [0, 255, 0],
      [0, 0, 255],
      [10, 20, 30],
    ];
    const idx = Uint8Array.from({ length: W * H }, (_, i) => (i * 7) % 4);
    const expected = Uint8Array.from(
      { length: W * H * 3 },
      (_, i) => palette[idx[Math.floor(i / 3)] as number]![i % 3]!,
    );
    const p8 = encodePng({ width: W, height: H, data: idx, channels: 1, depth: 8, palette });
    expect(decoded(p8).data).toEqual(expected);
    // 4-bit: two indices per byte, each row padded to whole bytes (5 pixels → 3 bytes).
    const packed = new Uint8Array(3 * H);
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const v = idx[y * W + x] as number;
        packed[y * 3 + (x >> 1)] |= x % 2 === 0 ? v << 4 : v;
      }
    }
    const p4 = encodePng({ width: W, height: H, data: packed, channels: 1, depth: 4, palette });
    expect(decoded(p4).data).toEqual(expected);
  });
});

describe('decodeImage: JPEG', () => {
  it('decodes a jpeg-js encoded gradient within JPEG tolerance', () => {
    const w = 32;
    const h = 24;
    const src = new Uint8Array(w * h * 4);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const i = 4 * (y * w + x);
        src.set([x * 8, y * 10, 128, 255], i);
      }
    }
    const bytes = new Uint8Array(jpeg.encode({ width: w, height: h, data: src }, 95).data);
    expect(sniffImage(bytes)).toBe('jpeg');
    const img = decodeImage(bytes);
    expect([img.width, img.height]).toEqual([w, h]);
    let worst = 0;
    for (let p = 0; p < w * h; p++) {
      for (let c = 0; c < 3; c++)
        worst = Math.max(worst, Math.abs((img.data[3 * p + c] as number) - (src[4 * p + c] as number)));
    }
    expect(worst).toBeLessThanOrEqual(8);
  });
});

describe('decodeImage: errors', () => {
  const fails = (bytes: Uint8Array, pattern: RegExp) => {
    expect(() => decodeImage(bytes)).toThrow(ImageFormatError);
    expect(() => decodeImage(bytes)).toThrow(pattern);
  };
  it('names what it found instead of PNG/JPEG', () => {
    fails(
      new TextEncoder().encode('GIF89a......'),
      /not a PNG or JPEG image: found a GIF image \(first bytes 47 49 46 38/,
    );
    fails(new TextEncoder().encode('BM\0\0\0\0'), /BMP/);
    fails(new TextEncoder().encode('RIFF\0\0\0\0WEBPVP8 '), /WebP/);
    fails(new Uint8Array(0), /an empty file/);
    fails(Uint8Array.from([1, 2, 3, 4]), /unknown content \(first bytes 01 02 03 04\)/);
  });
  it('wraps decoder failures of truncated files', () => {
    const png = encodePng({ width: W, height: H, data: rgb, channels: 3, depth: 8 });
    fails(png.subarray(0, 40), /cannot decode the PNG image/);
    fails(Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0, 0, 1]), /cannot decode the JPEG image/);
  });
});

/** The PNG with its IHDR width and height (bytes 16..24) replaced; fast-png does not check CRCs. */
function withSize(png: Uint8Array, width: number, height: number): Uint8Array {
  const out = png.slice();
  const view = new DataView(out.buffer);
  view.setUint32(16, width);
  view.setUint32(20, height);
  return out;
}

/** decodePng/decodeJpeg directly (public API) and through decodeImage: an ImageFormatError matching `pattern`. */
function rejects(bytes: Uint8Array, decode: (b: Uint8Array) => RgbImage, pattern: RegExp): void {
  for (const f of [decode, decodeImage]) {
    let error: unknown;
    try {
      f(bytes);
    } catch (e) {
      error = e;
    }
    expect(error, `${f.name}`).toBeInstanceOf(ImageFormatError);
    expect((error as Error).message).toMatch(pattern);
  }
}

// Regressions found by fuzzing the decoders (scratch fuzz driver, seeded mutations of small PNGs/JPEGs).
describe('decodePng / decodeJpeg: corrupt files', () => {
  const png = encodePng({ width: W, height: H, data: rgb, channels: 3, depth: 8 });

  it('decodePng and decodeJpeg themselves throw ImageFormatError, not the decoder errors', () => {
    // Were: RangeError 'Offset is outside the bounds of the DataView', Error 'SOI not found'.
    rejects(png.subarray(0, 40), decodePng, /cannot decode the PNG image/);
    expect(() => decodePng(new TextEncoder().encode('not a png at all'))).toThrow(/PNG signature/);
    expect(() => decodeJpeg(Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0, 0, 1]))).toThrow(ImageFormatError);
  });

  it('rejects IHDR sizes the IDAT data cannot hold, before allocating them', () => {
    // Was: a RangeError (invalid typed array length) or an allocation of gigabytes in fast-png.
    rejects(
      withSize(png, 100_000, 100_000),
      decodePng,
      /IHDR\) says 100000x100000 pixels \(30000000000 bytes\), more than its \d+ bytes of IDAT data can hold/,
    );
    rejects(withSize(png, 0xffffffff, 2), decodePng, /4294967295x2 pixels; sizes must be 1 to 2\^31-1/);
  });

  it('rejects a zero width or height', () => {
    // Was: a silently "decoded" 5x0 image.
    rejects(withSize(png, W, 0), decodePng, /says 5x0 pixels; sizes must be 1 to 2\^31-1/);
    rejects(withSize(png, 0, H), decodePng, /says 0x3 pixels/);
  });

  it('says the pixel data is short when IHDR promises more rows than IDAT has', () => {
    // Was: "Unsupported filter: undefined".
    rejects(
      withSize(png, W, 40),
      decodePng,
      /the pixel data ends before the last row \(truncated or corrupt/,
    );
  });

  it('rejects a JPEG frame header larger than the scan data can hold, before allocating it', () => {
    const data = new Uint8Array(16 * 16 * 4).fill(90);
    const jpg = new Uint8Array(jpeg.encode({ width: 16, height: 16, data }, 90).data);
    const view = new DataView(jpg.buffer);
    let sof = 2;
    while (jpg[sof + 1] !== 0xc0) sof += 2 + view.getUint16(sof + 2);
    view.setUint16(sof + 5, 9000);
    view.setUint16(sof + 7, 9000);
    // Was: jpeg-js allocated ~0.5 GB (RSS ~0.9 GB) for this 700-byte file before its memory limit stopped it.
    rejects(jpg, decodeJpeg, /frame header says 9000x9000 pixels, more than its \d+ bytes of scan data/);
    // A large but flat (highly compressed) real JPEG is still fine.
    const flat = jpeg.encode(
      { width: 1024, height: 768, data: new Uint8Array(1024 * 768 * 4).fill(200) },
      90,
    );
    expect(decodeJpeg(new Uint8Array(flat.data)).width).toBe(1024);
  });

  it('reports a JPEG the decoder trips over as corrupt, not with its TypeError', () => {
    const data = Uint8Array.from({ length: 8 * 8 * 4 }, (_, i) => (i * 13) % 256);
    const jpg = new Uint8Array(jpeg.encode({ width: 8, height: 8, data }, 90).data);
    jpg[24] = 1; // the quantization table id: jpeg-js then reads an undefined table
    // Was: "Cannot read properties of undefined (reading '0')".
    rejects(jpg, decodeJpeg, /cannot decode the JPEG image: the data is corrupt or truncated/);
  });
});

describe('resizeBilinear', () => {
  const row = (values: number[]): RgbImage => ({
    width: values.length,
    height: 1,
    data: Uint8Array.from(values.flatMap((v) => [v, v, 255 - v])),
  });
  const red = (img: RgbImage) => Array.from({ length: img.width * img.height }, (_, p) => img.data[3 * p]);

  it('upsamples with half-pixel centres and clamped edges', () => {
    // dst x → src (x + 0.5) / 2 - 0.5 = -0.25, 0.25, 0.75, 1.25 → 0, 25, 75, 100.
    const up = resizeBilinear(row([0, 100]), 1, 4);
    expect(red(up)).toEqual([0, 25, 75, 100]);
    expect(up.data[5]).toBe(255 - 25);
  });

  it('downsamples by averaging neighbours', () => {
    expect(red(resizeBilinear(row([0, 100, 200, 40]), 1, 2))).toEqual([50, 120]);
  });

  it('resizes both axes', () => {
    const img: RgbImage = {
      width: 2,
      height: 2,
      data: Uint8Array.from([0, 0, 0, 100, 0, 0, 100, 0, 0, 200, 0, 0]),
    };
    const out = resizeBilinear(img, 3, 3);
    // Centre pixel maps to (0.5, 0.5): the mean of all four.
    expect(red(out)).toEqual([0, 50, 100, 50, 100, 150, 100, 150, 200]);
  });

  it('returns a copy at the same size and rejects bad sizes', () => {
    const img = row([1, 2, 3]);
    const same = resizeBilinear(img, 1, 3);
    expect(same.data).toEqual(img.data);
    expect(same.data).not.toBe(img.data);
    expect(() => resizeBilinear(img, 0, 3)).toThrow(InputError);
  });
});

describe('imageToTensor', () => {
  const img: RgbImage = { width: 2, height: 1, data: Uint8Array.from([255, 0, 128, 10, 20, 30]) };

  it('normalizes with ImageNet mean/std into NCHW', () => {
    const t = imageToTensor(img);
    expect(t.dims).toEqual([1, 3, 1, 2]);
    const expected = [
      (1 - 0.485) / 0.229,
      (10 / 255 - 0.485) / 0.229,
      (0 - 0.456) / 0.224,
      (20 / 255 - 0.456) / 0.224,
      (128 / 255 - 0.406) / 0.225,
      (30 / 255 - 0.406) / 0.225,
    ];
    expectClose(
      t,
      Tensor.fromNumbers('float32', [1, 3, 1, 2], expected),
      { atol: 1e-6, rtol: 1e-6 },
      'imagenet',
    );
  });

  it('takes other mean/std/scale and NHWC', () => {
    const t = imageToTensor(img, { mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5], layout: 'NHWC' });
    expect(t.dims).toEqual([1, 1, 2, 3]);
    const nhwc = [1, -1, 128 / 127.5 - 1, 10 / 127.5 - 1, 20 / 127.5 - 1, 30 / 127.5 - 1];
    expectClose(t, Tensor.fromNumbers('float32', [1, 1, 2, 3], nhwc), { atol: 1e-6, rtol: 0 }, 'nhwc');
    const raw = imageToTensor(img, { mean: [0, 0, 0], std: [1, 1, 1], scale: 1 });
    expect(raw.toNumbers()).toEqual([255, 10, 0, 20, 128, 30]);
  });

  it('resizes first when given a size', () => {
    const t = imageToTensor(img, { size: [2, 4], mean: [0, 0, 0], std: [1, 1, 1], scale: 1 });
    expect(t.dims).toEqual([1, 3, 2, 4]);
    // Red channel row: 255, 255*.75+10*.25, 255*.25+10*.75, 10 → rounded to 8 bits.
    expect(t.toNumbers().slice(0, 4)).toEqual([255, 194, 71, 10]);
  });

  it('rejects bad mean/std', () => {
    expect(() => imageToTensor(img, { std: [1, 0, 1] })).toThrow(/std must be finite and non-zero/);
    expect(() => imageToTensor(img, { mean: [1, 2] })).toThrow(InputError);
  });
});
