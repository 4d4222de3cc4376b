import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decode as decodePng } from 'fast-png';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Tensor } from '../../src/engine/tensor.js';
import { encodeRgbPng } from '../../src/io/mask.js';
import { encodeNpy, parseNpy } from '../../src/io/npy.js';
import { argmax, meanAbsDiff } from '../post/crf-helpers.js';
import { cli, quadrantPng, removeWorkDirs, sigmoidSegModel, workDir } from './models.js';

const fixture = (name: string) =>
  parseNpy(new Uint8Array(readFileSync(new URL(`../fixtures/crf/${name}.npy`, import.meta.url))));

let dir: string;
let image: string;
let probs: string;
let logits: string;

beforeAll(() => {
  dir = workDir();
  const img = fixture('image');
  image = join(dir, 'img.png');
  writeFileSync(image, encodeRgbPng({ height: 6, width: 8, data: img.data as Uint8Array }));
  probs = join(dir, 'p.npy');
  writeFileSync(probs, encodeNpy(fixture('probs')));
  logits = join(dir, 'l.npy');
  const l = fixture('logits');
  writeFileSync(logits, encodeNpy(l.reshape(l.dims.slice(1))));
});

afterAll(removeWorkDirs);

describe('atrous crf', () => {
  it('--exact writes Q equal to the numpy oracle (scripts/crf-oracle.py)', async () => {
    const out = join(dir, 'q.npy');
    const r = await cli(
      'crf',
      '--image',
      image,
      '--probs',
      probs,
      '--out',
      out,
      '--exact',
      '--preset',
      'densecrf',
    );
    expect(r.err).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.out).toEqual([`${out}: Q [1, 3, 6, 8], 5 iterations (exact)`]);
    const q = parseNpy(new Uint8Array(readFileSync(out)));
    expect(q.dtype).toBe('float32');
    expect(meanAbsDiff(q, fixture('q-densecrf'))).toBeLessThan(1e-4);
  });

  it('--logits (C, H, W) and the default preset; lattice (wasm) writes an indexed mask PNG', async () => {
    const out = join(dir, 'mask.png');
    const over = join(dir, 'over.png');
    const r = await cli('crf', '--image', image, '--logits', logits, '--out', out, '--overlay', over);
    expect(r.code).toBe(0);
    expect(r.out[0]).toBe(`${out}: 8x6 mask, 10 iterations (lattice/wasm)`);
    const png = decodePng(readFileSync(out));
    expect(png.palette).toBeDefined();
    const ref = argmax(fixture('q-logits-deeplab-v2') as Tensor);
    let agree = 0;
    for (let i = 0; i < 48; i++) if (png.data[i] === ref[i]) agree++;
    expect(agree / 48).toBeGreaterThanOrEqual(0.95);
    expect(decodePng(readFileSync(over)).width).toBe(8);
  });

  it('parameter flags override the preset (0 iterations keeps the input)', async () => {
    const out = join(dir, 'q0.npy');
    const r = await cli(
      'crf',
      '--image',
      image,
      '--probs',
      probs,
      '--out',
      out,
      '--iterations',
      '0',
      '-b',
      'ts',
      '--time',
    );
    expect(r.code).toBe(0);
    expect(r.out[1]).toMatch(/^crf: [\d.]+ ms$/);
    expect(meanAbsDiff(parseNpy(new Uint8Array(readFileSync(out))), fixture('probs'))).toBeLessThan(1e-5);
  });

  it('bad inputs: size mismatch and unnormalized probabilities exit 1 with the reason', async () => {
    const wrong = join(dir, 'wrong.npy');
    writeFileSync(wrong, encodeNpy(new Tensor('float32', [1, 3, 6, 7], new Float32Array(126).fill(1 / 3))));
    let r = await cli('crf', '--image', image, '--probs', wrong, '--out', join(dir, 'x.npy'));
    expect(r.code).toBe(1);
    expect(r.err[0]).toMatch(/image is 8x6 but the probabilities are 7x6/);
    r = await cli('crf', '--image', image, '--probs', logits, '--out', join(dir, 'x.npy'));
    expect(r.code).toBe(1);
    expect(r.err[0]).toMatch(/must be >= 0|must sum to 1/);
  });

  it('--threads 2 runs the wasm lattice on the threaded module: the same Q bit for bit', async () => {
    const q1 = join(dir, 'q1.npy');
    const q2 = join(dir, 'q2.npy');
    expect((await cli('crf', '--image', image, '--probs', probs, '--out', q1)).code).toBe(0);
    const r = await cli('crf', '--image', image, '--probs', probs, '--out', q2, '--threads', '2');
    expect(r.code).toBe(0);
    expect(r.out[0]).toBe(`${q2}: Q [1, 3, 6, 8], 10 iterations (lattice/wasm, 2 threads)`);
    expect(readFileSync(q2).equals(readFileSync(q1))).toBe(true);
    const bad = await cli('crf', '--image', image, '--probs', probs, '--out', q2, '--threads', '0');
    expect(bad.code).toBe(2);
    expect(bad.err.join('\n')).toMatch(/--threads/);
  });

  it('bad command lines exit 2', async () => {
    const cases: [string[], RegExp][] = [
      [['--probs', probs, '--logits', logits, '--out', 'q.npy'], /exactly one of --probs and --logits/],
      [['--probs', probs, '--out', 'q.txt'], /must end in .npy/],
      [['--probs', probs, '--out', 'q.npy', '--bi-rgb', 'abc'], /--bi-rgb 'abc' is not a number/],
      [
        ['--probs', probs, '--out', 'q.npy', '--preset', 'nope'],
        /Allowed choices are deeplab-v2, deeplab-v1, densecrf/,
      ],
    ];
    for (const [args, re] of cases) {
      const r = await cli('crf', '--image', image, ...args);
      expect(r.code).toBe(2);
      expect(r.err.join('\n')).toMatch(re);
    }
  });

  it('segment --crf refines the model scores (quadrant image keeps its regions); bad presets exit 1', async () => {
    const seg = sigmoidSegModel(dir, [1, 3, 16, 16]);
    const quad = quadrantPng(dir);
    const mask = join(dir, 'seg-crf.png');
    const r = await cli('segment', seg, quad, '--out', mask, '--crf');
    expect(r.err).toEqual([]);
    expect(r.code).toBe(0);
    const png = decodePng(readFileSync(mask));
    const at = (x: number, y: number) => png.data[y * 16 + x];
    expect([at(0, 0), at(15, 0), at(0, 15), at(15, 15), at(7, 8), at(8, 8)]).toEqual([0, 0, 1, 2, 1, 2]);
    const bad = await cli('segment', seg, quad, '--out', mask, '--crf', 'nope');
    expect(bad.code).toBe(1);
    expect(bad.err[0]).toMatch(/unknown CRF preset 'nope'/);
  });
});
