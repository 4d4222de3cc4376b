import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encode as encodePng } from 'fast-png';
import { afterAll, describe, expect, it } from 'vitest';
import { Tensor } from '../../src/engine/tensor.js';
import { FileError, ImageFormatError } from '../../src/errors.js';
import { vocPalette } from '../../src/io/mask.js';
import {
  cityscapesTrainIds,
  decodeLabelPng,
  pairFolder,
  readClassNames,
  slidingWindowScores,
  unknownLabels,
  windowStarts,
} from '../../src/post/datasets/index.js';
import { removeWorkDirs, workDir } from '../cli/models.js';

afterAll(removeWorkDirs);

const palette = vocPalette(256).map(([r, g, b]) => [r, g, b]);

/** An 8-bit palette PNG whose pixel values are the given indices. */
function palettePng(width: number, height: number, indices: number[]): Uint8Array {
  return encodePng({ width, height, data: Uint8Array.from(indices), channels: 1, depth: 8, palette });
}

function grayPng(width: number, height: number, values: number[], depth: 8 | 16 = 8): Uint8Array {
  const data = depth === 8 ? Uint8Array.from(values) : Uint16Array.from(values);
  return encodePng({ width, height, data, channels: 1, depth });
}

describe('label PNG decoding', () => {
  it('VOC palette PNGs give the raw palette indices (255 = ignore), not colours', () => {
    const m = decodeLabelPng(palettePng(2, 2, [0, 15, 255, 20]), 'voc');
    expect([m.width, m.height, ...m.labels]).toEqual([2, 2, 0, 15, 255, 20]);
  });

  it('VOC labels painted as RGB colours map back to indices; an unknown colour is an error', () => {
    const rgb = [...(palette[15] as number[]), ...(palette[1] as number[])];
    const png = encodePng({ width: 2, height: 1, data: Uint8Array.from(rgb), channels: 3, depth: 8 });
    expect([...decodeLabelPng(png, 'voc').labels]).toEqual([15, 1]);
    const bad = encodePng({ width: 1, height: 1, data: Uint8Array.from([1, 2, 3]), channels: 3, depth: 8 });
    expect(() => decodeLabelPng(bad, 'voc')).toThrow(/010203 at pixel 0 is not a VOC palette colour/);
    expect(() => decodeLabelPng(bad, 'plain')).toThrow(/colour \(RGB\)/);
  });

  it('Cityscapes labelIds map to trainIds; trainIds files are used as they are', () => {
    const ids = [7, 26, 0, 33, 18, 40];
    expect([...cityscapesTrainIds(Uint8Array.from(ids))]).toEqual([0, 13, 255, 18, 255, 40]);
    const png = grayPng(3, 2, ids);
    expect([...decodeLabelPng(png, 'cityscapes', 'a_gtFine_labelIds.png').labels]).toEqual([
      0, 13, 255, 18, 255, 40,
    ]);
    expect([...decodeLabelPng(png, 'cityscapes', 'a_gtFine_labelTrainIds.png').labels]).toEqual(ids);
  });

  it('plain 16-bit labels, corrupt files and unknown values', () => {
    const m = decodeLabelPng(grayPng(2, 1, [3, 1000], 16), 'plain');
    expect([...m.labels]).toEqual([3, 1000]);
    expect(() => decodeLabelPng(Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 1, 2]), 'plain')).toThrow(
      ImageFormatError,
    );
    expect([...unknownLabels(Uint8Array.from([0, 1, 9, 9, 255, 3]), 3, 255)]).toEqual([
      [3, 1],
      [9, 2],
    ]);
  });

  // Found by fuzzing decodeLabelPng with IHDR edits (fast-png trusts the header's sizes).
  it('rejects label PNGs whose header sizes are zero, huge, or more than the data holds', () => {
    const withSize = (width: number, height: number) => {
      const png = grayPng(2, 2, [0, 1, 2, 3]);
      new DataView(png.buffer, png.byteOffset).setUint32(16, width);
      new DataView(png.buffer, png.byteOffset).setUint32(20, height);
      return png;
    };
    const cases: [Uint8Array, RegExp][] = [
      // Was: a silently empty 2x0 label map.
      [withSize(2, 0), /label PNG: its header \(IHDR\) says 2x0 pixels; sizes must be 1 to 2\^31-1/],
      // Was: fast-png allocating width x height bytes (RangeError, or gigabytes).
      [withSize(65536, 65536), /says 65536x65536 pixels .*more than its \d+ bytes of IDAT data can hold/],
      // Was: "Unsupported filter: undefined".
      [withSize(2, 50), /label PNG: the pixel data ends before the last row/],
    ];
    for (const [png, message] of cases) {
      expect(() => decodeLabelPng(png, 'plain'), String(message)).toThrow(message);
      expect(() => decodeLabelPng(png, 'voc')).toThrow(ImageFormatError);
    }
  });
});

describe('folder pairing and class lists', () => {
  it('pairs Cityscapes-style names in city folders, skips colour/instance PNGs, reports orphans', async () => {
    const dir = workDir();
    const img = join(dir, 'leftImg8bit', 'aachen');
    const lab = join(dir, 'gtFine', 'aachen');
    mkdirSync(img, { recursive: true });
    mkdirSync(lab, { recursive: true });
    const png = grayPng(1, 1, [7]);
    writeFileSync(join(img, 'aachen_000000_000019_leftImg8bit.png'), png);
    writeFileSync(join(img, 'aachen_000001_000019_leftImg8bit.png'), png);
    writeFileSync(join(lab, 'aachen_000000_000019_gtFine_labelIds.png'), png);
    writeFileSync(join(lab, 'aachen_000000_000019_gtFine_labelTrainIds.png'), png);
    writeFileSync(join(lab, 'aachen_000000_000019_gtFine_color.png'), png);
    writeFileSync(join(lab, 'aachen_000002_000019_gtFine_labelIds.png'), png);
    const { pairs, problems } = await pairFolder(join(dir, 'leftImg8bit'), join(dir, 'gtFine'), 'cityscapes');
    expect(pairs).toEqual([
      {
        key: 'aachen_000000_000019',
        image: join(img, 'aachen_000000_000019_leftImg8bit.png'),
        label: join(lab, 'aachen_000000_000019_gtFine_labelTrainIds.png'),
      },
    ]);
    expect(problems.map((p) => p.problem)).toEqual([
      expect.stringMatching(/^no label PNG named aachen_000001_000019/),
      expect.stringMatching(/^no image named aachen_000002_000019/),
    ]);
  });

  it('reads class lists; a missing folder or file is a FileError', async () => {
    const dir = workDir();
    const file = join(dir, 'classes.txt');
    writeFileSync(file, '# my classes\nsky\n\nroad\r\n');
    expect(await readClassNames(file)).toEqual(['sky', 'road']);
    await expect(readClassNames(join(dir, 'none.txt'))).rejects.toThrow(FileError);
    await expect(pairFolder(join(dir, 'nope'), dir, 'plain')).rejects.toThrow(/nope: no such directory/);
  });
});

describe('sliding-window inference', () => {
  it('window origins cover the axis, the last one flush with the end', () => {
    expect(windowStarts(16, 8, 6)).toEqual([0, 6, 8]);
    expect(windowStarts(8, 8, 6)).toEqual([0]);
    expect(windowStarts(5, 8, 6)).toEqual([0]);
  });

  it('stitches tile scores back in place (a per-pixel model gives the full-image scores), padding small images', async () => {
    // "Model": scores = [r + g, r - g] per pixel, where r, g are the input channels 0 and 1.
    const run = async (t: Tensor<'float32'>) => {
      const [, , h, w] = t.dims as number[];
      const plane = (h as number) * (w as number);
      const out = new Float32Array(2 * plane);
      for (let i = 0; i < plane; i++) {
        out[i] = (t.data[i] as number) + (t.data[plane + i] as number);
        out[plane + i] = (t.data[i] as number) - (t.data[plane + i] as number);
      }
      return new Tensor('float32', [1, 2, h as number, w as number], out);
    };
    for (const [H, W] of [
      [13, 17],
      [5, 6],
    ] as const) {
      const img = new Float32Array(3 * H * W).map((_, i) => (i * 7919) % 101);
      const { channels, data } = await slidingWindowScores(
        run,
        new Tensor('float32', [1, 3, H, W], img),
        [8, 8],
      );
      expect(channels).toBe(2);
      const plane = H * W;
      for (let i = 0; i < plane; i++) {
        expect(data[i]).toBeCloseTo((img[i] as number) + (img[plane + i] as number), 4);
        expect(data[plane + i]).toBeCloseTo((img[i] as number) - (img[plane + i] as number), 4);
      }
    }
  });
});
