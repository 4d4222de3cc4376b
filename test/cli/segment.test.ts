import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decode as decodePng } from 'fast-png';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../src/graph/builder.js';
import { exportOnnx } from '../../src/graph/export/onnx.js';
import { decodeImage } from '../../src/io/image.js';
import { cli, quadrantPng, removeWorkDirs, sigmoidSegModel, workDir } from './models.js';

let dir: string;
let seg: string;
let image: string;

beforeAll(() => {
  dir = workDir();
  seg = sigmoidSegModel(dir);
  image = quadrantPng(dir);
});

afterAll(removeWorkDirs);

/** Label at (x, y) of a 16x16 indexed mask PNG. */
function labelsOf(path: string) {
  const png = decodePng(readFileSync(path));
  expect(png.palette).toBeDefined();
  return { png, at: (x: number, y: number) => png.data[y * png.width + x] as number };
}

describe('atrous segment', () => {
  it('writes an indexed mask at the image size and an overlay', async () => {
    const mask = join(dir, 'mask.png');
    const over = join(dir, 'overlay.png');
    const r = await cli('segment', seg, image, '--out', mask, '--overlay', over);
    expect(r.err).toEqual([]);
    expect(r.code).toBe(0);
    // The model argmaxes the normalized RGB: red → class 0, green → 1, blue → 2.
    const { png, at } = labelsOf(mask);
    expect([png.width, png.height]).toEqual([16, 16]);
    expect([at(0, 0), at(15, 0), at(0, 15), at(15, 15)]).toEqual([0, 0, 1, 2]);
    expect(r.out[0]).toBe(`${mask}: 16x16 mask, 3 classes; classes present: 0 50.0%, 1 25.0%, 2 25.0%`);
    // Overlay: background (class 0) keeps the red; class 2 blends blue with VOC green (0, 128, 0).
    const o = decodeImage(readFileSync(over));
    expect([o.width, o.height]).toEqual([16, 16]);
    expect([...o.data.subarray(0, 3)]).toEqual([255, 0, 0]);
    const p = (15 * 16 + 15) * 3;
    expect([...o.data.subarray(p, p + 3)]).toEqual([0, 64, 128]);
  });

  it('uses the image size for symbolic model dims, and --size when given', async () => {
    const sym = sigmoidSegModel(dir, [1, 3, 'H', 'W'], 'sym.onnx');
    const mask = join(dir, 'sym.png');
    expect((await cli('segment', sym, image, '-o', mask)).code).toBe(0);
    expect(labelsOf(mask).at(15, 15)).toBe(2);
    // --size 2x2 makes each quadrant one model pixel; the mask is still written at 16x16.
    const small = join(dir, 'small.png');
    const r = await cli('segment', sym, image, '-o', small, '--size', '2x2');
    expect(r.code).toBe(0);
    const { png, at } = labelsOf(small);
    expect([png.width, png.height, at(3, 3), at(3, 12), at(12, 12)]).toEqual([16, 16, 0, 1, 2]);
  });

  it('applies --mean/--std: a huge blue mean makes every pixel lose blue', async () => {
    const mask = join(dir, 'meanstd.png');
    const r = await cli('segment', seg, image, '-o', mask, '--mean', '0,0,5', '--std', '1,1,1');
    expect(r.code).toBe(0);
    const { at } = labelsOf(mask);
    expect([at(0, 0), at(0, 15), at(15, 15)]).toEqual([0, 1, 0]);
  });

  it('takes mean/std from the model metadata when the flags are absent', async () => {
    const b = new GraphBuilder('seg-meta');
    b.output(b.op('Sigmoid', [b.input('image', [1, 3, 8, 8])], {}, { name: 's', outputs: ['logits'] }));
    const graph = { ...b.build(), metadata: { mean: '0,0,5', std: '1,1,1', class_names: 'red,green,blue' } };
    const model = join(dir, 'meta.onnx');
    writeFileSync(model, exportOnnx(graph));
    const mask = join(dir, 'meta.png');
    const r = await cli('segment', model, image, '-o', mask);
    expect(r.code).toBe(0);
    expect(labelsOf(mask).at(15, 15)).toBe(0);
    expect(r.out[0]).toMatch(/classes present: red 75\.0%, green 25\.0%$/);
  });

  it('handles NHWC image inputs and models that output labels', async () => {
    const b = new GraphBuilder('nhwc');
    const x = b.input('image', [1, 8, 8, 3]);
    const t = b.op('Transpose', [x], { perm: [0, 3, 1, 2] });
    b.output(b.op('ArgMax', [t], { axis: 1, keepdims: 1 }, { name: 'am', outputs: ['labels'] }));
    const model = join(dir, 'nhwc.onnx');
    writeFileSync(model, exportOnnx(b.build()));
    const mask = join(dir, 'nhwc.png');
    const r = await cli('segment', model, image, '-o', mask);
    expect(r.err).toEqual([]);
    const { at } = labelsOf(mask);
    expect([at(0, 0), at(0, 15), at(15, 15)]).toEqual([0, 1, 2]);
  });
});

describe('atrous segment: errors', () => {
  it('a model file alone is a usage error (a lone image runs the selfie model)', async () => {
    const r = await cli('segment', seg);
    expect(r.code).toBe(2);
    expect(r.err[0]).toMatch(/looks like a model file: give an image after it/);
  });

  it('names a file that is not an image', async () => {
    const r = await cli('segment', seg, seg, '-o', join(dir, 'x.png'));
    expect(r.code).toBe(1);
    expect(r.err[0]).toMatch(new RegExp(`^atrous: ${seg}: not a PNG or JPEG image: found unknown content`));
  });

  it('rejects bad --size/--mean and an unwritable output path', async () => {
    expect((await cli('segment', seg, image, '--size', '8by8')).code).toBe(2);
    expect((await cli('segment', seg, image, '--mean', '1,2')).code).toBe(2);
    const r = await cli('segment', seg, image, '-o', join(dir, 'no-such-dir', 'm.png'));
    expect(r.code).toBe(1);
    expect(r.err[0]).toMatch(/no-such-dir\/m\.png: cannot write: the directory does not exist/);
  });

  it('rejects a model whose input is not an image batch', async () => {
    const b = new GraphBuilder('vec');
    b.output(b.op('Relu', [b.input('v', [1, 10])]));
    const model = join(dir, 'vec.onnx');
    writeFileSync(model, exportOnnx(b.build()));
    const r = await cli('segment', model, image);
    expect(r.code).toBe(1);
    expect(r.err[0]).toMatch(/input 'v' has shape \[1, 10\]; segment needs an image batch/);
  });
});
