import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import type { RgbImage } from '../../src/io/image.js';
import { blurBackground, boxBlur, personOverlay, resizeConfidence } from '../../src/post/portrait.js';
import { Rng } from '../../src/util/random.js';

function image(width: number, height: number, f: (x: number, y: number, c: number) => number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) for (let c = 0; c < 3; c++) data[3 * (y * width + x) + c] = f(x, y, c);
  }
  return { width, height, data };
}

function mask(width: number, height: number, f: (x: number, y: number) => number) {
  const confidence = new Float32Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) confidence[y * width + x] = f(x, y);
  return { width, height, confidence };
}

const px = (img: RgbImage, x: number, y: number) =>
  Array.from(img.data.subarray(3 * (y * img.width + x), 3 * (y * img.width + x) + 3));

describe('boxBlur', () => {
  it('keeps a constant image constant (edges clamped)', () => {
    const img = image(13, 7, (_x, _y, c) => [17, 200, 255][c] as number);
    const out = boxBlur(img, { radius: 4 });
    expect(Array.from(out.data)).toEqual(Array.from(img.data));
  });

  it('one pass of radius 1 is the 3x3 mean with clamped edges (hand-checked)', () => {
    // A single bright pixel 90 at (1,1) in a 3x3 black image: every pixel of the 3x3 window sees it
    // once, so each gets 90/9 = 10. Corner (0,0) with clamping: window rows {0,0,1}, cols {0,0,1}
    // → 90 counted once → 10. Channel 1 is 0 everywhere.
    const img = image(3, 3, (x, y, c) => (x === 1 && y === 1 && c === 0 ? 90 : 0));
    const out = boxBlur(img, { radius: 1, passes: 1 });
    for (let y = 0; y < 3; y++) for (let x = 0; x < 3; x++) expect(px(out, x, y)).toEqual([10, 0, 0]);
  });

  it('clamps at the edge: a 1-D step blurs to hand-computed values', () => {
    // Row [0, 0, 90, 90] (height 1), radius 1, one pass: x0: (0+0+0)/3=0, x1: (0+0+90)/3=30,
    // x2: (0+90+90)/3=60, x3: (90+90+90)/3=90 (x4 clamps to x3).
    const img = image(4, 1, (x) => (x >= 2 ? 90 : 0));
    const out = boxBlur(img, { radius: 1, passes: 1 });
    expect([0, 1, 2, 3].map((x) => px(out, x, 0)[0])).toEqual([0, 30, 60, 90]);
  });

  it('radius 0 is the identity; bad radius or image → InputError', () => {
    const rng = new Rng(3);
    const img = image(5, 4, () => rng.int(0, 255));
    expect(Array.from(boxBlur(img, { radius: 0 }).data)).toEqual(Array.from(img.data));
    expect(() => boxBlur(img, { radius: -1 })).toThrow(InputError);
    expect(() => boxBlur(img, { radius: 1.5 })).toThrow(InputError);
    expect(() => boxBlur({ width: 5, height: 4, data: new Uint8Array(59) })).toThrow(/5x4 but has 59 bytes/);
  });
});

describe('blurBackground', () => {
  const rng = new Rng(11);
  const img = image(16, 12, () => rng.int(0, 255));
  const blurred = boxBlur(img, { radius: 2 });

  it('keeps the person sharp (c=1), blurs the background (c=0), blends in between', () => {
    const m = mask(16, 12, (x) => (x < 5 ? 1 : x < 10 ? 0 : 0.25));
    const out = blurBackground(img, m, { radius: 2 });
    for (let y = 0; y < 12; y++) {
      for (let x = 0; x < 16; x++) {
        const want =
          x < 5
            ? px(img, x, y)
            : x < 10
              ? px(blurred, x, y)
              : px(img, x, y).map((v, c) => Math.round(0.25 * v + 0.75 * (px(blurred, x, y)[c] as number)));
        expect(px(out, x, y), `pixel ${x},${y}`).toEqual(want);
      }
    }
  });

  it('hand-checked blend: c=0.5 between 100 and its blur 70 gives 85', () => {
    // 3x1 image [100, 10, 10] (gray); radius 1, one pass, clamped: x0 = (100+100+10)/3 = 70,
    // so x0 with c = 0.5 → 0.5*100 + 0.5*70 = 85; x2 = (10+10+10)/3 = 10 unchanged by any c.
    const g = image(3, 1, (x) => (x === 0 ? 100 : 10));
    const out = blurBackground(
      g,
      mask(3, 1, () => 0.5),
      { radius: 1, passes: 1 },
    );
    expect(px(out, 0, 0)).toEqual([85, 85, 85]);
    expect(px(out, 2, 0)).toEqual([10, 10, 10]);
  });

  it('clamps confidence outside [0, 1] (NaN counts as background)', () => {
    const out = blurBackground(
      img,
      mask(16, 12, (x) => (x < 8 ? 3 : Number.NaN)),
      { radius: 2 },
    );
    expect(px(out, 0, 0)).toEqual(px(img, 0, 0));
    expect(px(out, 15, 11)).toEqual(px(blurred, 15, 11));
  });

  it('resizes a smaller mask to the image (bilinear, centres aligned)', () => {
    // A 2x1 mask [1, 0] on a 4-pixel-wide image: centres of the 4 columns map to source x
    // -0.25, 0.25, 0.75, 1.25 → clamped → c = 1, 0.75, 0.25, 0.
    const r = resizeConfidence({ width: 2, height: 1, confidence: Float32Array.from([1, 0]) }, 4, 1);
    expect(Array.from(r.confidence)).toEqual([1, 0.75, 0.25, 0]);
    const small = mask(8, 6, () => 1);
    expect(Array.from(blurBackground(img, small).data)).toEqual(Array.from(img.data));
  });

  it('rejects inconsistent sizes with InputError', () => {
    expect(() => blurBackground(img, { width: 16, height: 12, confidence: new Float32Array(10) })).toThrow(
      InputError,
    );
    expect(() => blurBackground(img, { width: 0, height: 12, confidence: new Float32Array(0) })).toThrow(
      /positive integers/,
    );
    expect(() =>
      blurBackground(
        { ...img, data: img.data.subarray(1) },
        mask(16, 12, () => 1),
      ),
    ).toThrow(InputError);
  });
});

describe('personOverlay', () => {
  it('tints by alpha * confidence (hand-checked)', () => {
    const img = image(3, 1, () => 100);
    const m = { width: 3, height: 1, confidence: Float32Array.from([0, 0.5, 1]) };
    const out = personOverlay(img, m, { color: [255, 0, 0], alpha: 0.4 });
    // a = 0 → 100; a = 0.2 → 0.8*100 + 0.2*255 = 131, 0.8*100 = 80; a = 0.4 → 60+102 = 162, 60.
    expect([px(out, 0, 0), px(out, 1, 0), px(out, 2, 0)]).toEqual([
      [100, 100, 100],
      [131, 80, 80],
      [162, 60, 60],
    ]);
  });

  it('rejects a bad alpha, colour or size', () => {
    const img = image(2, 2, () => 0);
    const m = mask(2, 2, () => 1);
    expect(() => personOverlay(img, m, { alpha: 1.5 })).toThrow(InputError);
    expect(() => personOverlay(img, m, { color: [0, 300, 0] })).toThrow(InputError);
    expect(() => personOverlay(img, { width: 2, height: 2, confidence: new Float32Array(3) })).toThrow(
      InputError,
    );
  });
});
