import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Tensor } from '../../src/engine/tensor.js';
import { encodeNpy, parseNpy } from '../../src/io/npy.js';
import { Rng } from '../../src/util/random.js';
import { cli, convReluModel, removeWorkDirs, twoInputModel, workDir } from './models.js';

let dir: string;
let conv: string;
let two: string;
const rng = new Rng(5);
const x = new Tensor('float32', [1, 3, 4, 4], rng.floats(48));
const a = new Tensor('float32', [2, 3], Float32Array.from([1, -2, 3, -4, 5, -6]));
const b = new Tensor('float32', [2, 3], Float32Array.from([10, 20, 30, 40, 50, 60]));

const npy = (name: string, t: Tensor) => {
  const path = join(dir, name);
  writeFileSync(path, encodeNpy(t));
  return path;
};
const load = (path: string) => parseNpy(new Uint8Array(readFileSync(path)));

beforeAll(() => {
  dir = workDir();
  conv = convReluModel(dir);
  two = twoInputModel(dir);
});

afterAll(removeWorkDirs);

describe('atrous run', () => {
  it('runs a one-input model and writes the output', async () => {
    const out = join(dir, 'y.npy');
    const r = await cli('run', conv, '--input', npy('x.npy', x), '--output', out);
    expect(r.err).toEqual([]);
    expect(r.code).toBe(0);
    // y[0] = relu(x[channel 0]), y[1] = relu(-x[channel 1] + 0.5).
    const y = load(out);
    expect(y.dims).toEqual([1, 2, 4, 4]);
    const expected = [
      ...Array.from({ length: 16 }, (_, i) => Math.max(x.get(i), 0)),
      ...Array.from({ length: 16 }, (_, i) => Math.max(-x.get(16 + i) + 0.5, 0)),
    ];
    y.toNumbers().forEach((v, i) => {
      expect(v).toBeCloseTo(expected[i] as number, 6);
    });
    const values = y.toNumbers();
    const mean = values.reduce((s, v) => s + v, 0) / values.length;
    expect(r.out).toHaveLength(1);
    expect(r.out[0]).toMatch(/^y: float32 \[1, 2, 4, 4\] min 0 max [\d.]+ mean [\d.]+ -> .*y\.npy$/);
    expect(Number(/mean ([\d.]+)/.exec(r.out[0] as string)?.[1])).toBeCloseTo(mean, 4);
    expect(Number(/max ([\d.]+)/.exec(r.out[0] as string)?.[1])).toBeCloseTo(Math.max(...values), 4);
  });

  it('prints summaries without writing when no --output is given, also with --no-optimize', async () => {
    const r = await cli('run', conv, '-i', npy('x.npy', x), '--no-optimize');
    expect(r.code).toBe(0);
    expect(r.out[0]).toMatch(/^y: float32 \[1, 2, 4, 4\] min 0 max/);
  });

  it('converts NumPy float64 input to the float32 the model takes, saying so', async () => {
    const x64 = Tensor.fromNumbers('float64', [1, 3, 4, 4], x.toNumbers());
    const out = join(dir, 'y64.npy');
    const r = await cli('run', conv, '--input', npy('x64.npy', x64), '--output', out);
    expect(r.code).toBe(0);
    expect(r.err.join('\n')).toMatch(/converting .*x64\.npy from float64 to float32 for input 'x'/);
    expect(load(out).dtype).toBe('float32');
  });

  it('runs a two-input model with named inputs and outputs', async () => {
    const sum = join(dir, 'sum.npy');
    const pos = join(dir, 'pos.npy');
    const r = await cli(
      'run',
      two,
      '--input',
      `b=${npy('b.npy', b)}`,
      `a=${npy('a.npy', a)}`,
      '--output',
      `sum=${sum}`,
      `pos=${pos}`,
    );
    expect(r.err).toEqual([]);
    expect(r.code).toBe(0);
    expect(load(sum).toNumbers()).toEqual([11, 18, 33, 36, 55, 54]);
    expect(load(pos).toNumbers()).toEqual([1, 0, 3, 0, 5, 0]);
    expect(r.out).toEqual([
      `sum: float32 [2, 3] min 11 max 55 mean 34.5 -> ${sum}`,
      `pos: float32 [2, 3] min 0 max 5 mean 1.5 -> ${pos}`,
    ]);
  });

  it('accepts repeated --input flags and writes only the named outputs', async () => {
    const pos = join(dir, 'pos-only.npy');
    const r = await cli(
      'run',
      two,
      '-i',
      `a=${npy('a.npy', a)}`,
      '-i',
      `b=${npy('b.npy', b)}`,
      '-o',
      `pos=${pos}`,
    );
    expect(r.code).toBe(0);
    expect(load(pos).toNumbers()).toEqual([1, 0, 3, 0, 5, 0]);
    expect(r.out[0]).not.toContain('->');
  });
});

describe('atrous run: errors', () => {
  it('names the inputs when a multi-input model gets an unnamed --input', async () => {
    const r = await cli('run', two, '--input', npy('a.npy', a), npy('b.npy', b));
    expect(r.code).toBe(1);
    expect(r.err).toHaveLength(1);
    expect(r.err[0]).toMatch(/^atrous: the model has 2 inputs \(a, b\): name each one, as --input name=/);
  });

  it('lists what is missing and what is unknown', async () => {
    const missing = await cli('run', two, '--input', `a=${npy('a.npy', a)}`);
    expect(missing.code).toBe(1);
    expect(missing.err[0]).toMatch(/missing --input for 'b' \(model inputs: a, b\)/);
    const unknown = await cli('run', two, '--input', `c=${npy('a.npy', a)}`);
    expect(unknown.err[0]).toMatch(/'c' is not an input of this model; inputs: a, b/);
    const outputs = await cli(
      'run',
      two,
      '-i',
      `a=${npy('a.npy', a)}`,
      `b=${npy('b.npy', b)}`,
      '-o',
      'y.npy',
    );
    expect(outputs.code).toBe(1);
    expect(outputs.err[0]).toMatch(/the model has 2 outputs \(sum, pos\)/);
  });

  it('reports a missing model file by its path, without a stack trace', async () => {
    const path = join(dir, 'nope.onnx');
    const r = await cli('run', path, '--input', 'x.npy');
    expect(r.code).toBe(1);
    expect(r.err).toEqual([`atrous: ${path}: no such file or directory`]);
  });

  it('reports missing and malformed .npy inputs by path', async () => {
    const gone = join(dir, 'gone.npy');
    const r = await cli('run', conv, '--input', gone);
    expect(r.code).toBe(1);
    expect(r.err).toEqual([`atrous: ${gone}: no such file or directory`]);
    const junk = join(dir, 'junk.npy');
    writeFileSync(junk, 'not numpy');
    const bad = await cli('run', conv, '--input', junk);
    expect(bad.code).toBe(1);
    expect(bad.err[0]).toBe(
      `atrous: ${junk}: not a .npy file: it does not start with the magic string \\x93NUMPY`,
    );
  });

  it('reports a wrong input shape from the session', async () => {
    const r = await cli('run', conv, '--input', npy('small.npy', new Tensor('float32', [1, 3, 2, 2])));
    expect(r.code).toBe(1);
    expect(r.err[0]).toMatch(/input 'x' has shape \[1, 3, 2, 2\], the model expects float32 \[1, 3, 4, 4\]/);
  });

  it('rejects a model file that is not a model', async () => {
    const path = join(dir, 'fake.onnx');
    writeFileSync(path, 'hello');
    const r = await cli('run', path, '--input', 'x.npy');
    expect(r.code).toBe(1);
    expect(r.err[0]).toMatch(new RegExp(`^atrous: ${path}: `));
  });

  it('treats an unknown backend as a usage error (exit 2)', async () => {
    const bad = await cli('run', conv, '--input', 'x.npy', '--backend', 'cuda');
    expect(bad.code).toBe(2);
    expect(bad.err[0]).toMatch(
      /^atrous: option .*--backend.* argument 'cuda' is invalid\. Allowed choices are ref, wasm, webgpu/,
    );
    // An unavailable backend (no WebGPU adapter) is covered in test/webgpu/device.test.ts.
  });

  it('runs on the wasm backend and writes what the ref backend writes', async () => {
    const input = npy('x.npy', x);
    const outs: number[][] = [];
    for (const backend of ['ref', 'wasm']) {
      const out = join(dir, `y-${backend}.npy`);
      const r = await cli('run', conv, '--input', input, '--output', out, '--backend', backend);
      expect(r.code, r.err.join('\n')).toBe(0);
      outs.push(parseNpy(readFileSync(out)).toNumbers());
    }
    const [ref, wasm] = outs as [number[], number[]];
    expect(wasm.length).toBe(ref.length);
    for (const [i, v] of ref.entries()) {
      expect(Math.abs((wasm[i] as number) - v)).toBeLessThanOrEqual(1e-5 + 1e-5 * Math.abs(v));
    }
  });

  it('exits 2 for unknown commands and options and 0 for --help', async () => {
    expect((await cli('frobnicate')).code).toBe(2);
    expect((await cli('run', conv, '--bogus')).code).toBe(2);
    const help = await cli('run', '--help');
    expect(help.code).toBe(0);
    expect(help.out.join('\n')).toMatch(/--input/);
  });
});
