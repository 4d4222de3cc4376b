import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BenchResult, randomTensor, summarizeTimes } from '../../src/cli/bench.js';
import { Rng } from '../../src/util/random.js';
import { cli, convReluModel, removeWorkDirs, sigmoidSegModel, workDir } from './models.js';

let conv: string;
let symbolic: string;

beforeAll(() => {
  const dir = workDir();
  conv = convReluModel(dir);
  symbolic = sigmoidSegModel(dir, ['N', 3, 'H', 'W'], 'symbolic.onnx');
});

afterAll(removeWorkDirs);

describe('atrous bench', () => {
  it('--json: the last stdout line is one JSON object with the timings', async () => {
    const r = await cli('bench', conv, '--runs', '5', '--warmup', '1', '--threads', '2', '--json');
    expect(r.code).toBe(0);
    const result = JSON.parse(r.out.at(-1) as string) as BenchResult;
    expect(result).toMatchObject({ model: conv, backend: 'ref', threads: 2, runs: 5, warmup: 1 });
    expect(result.times_ms).toHaveLength(5);
    const sorted = [...result.times_ms].sort((a, b) => a - b);
    expect(result.min_ms).toBe(sorted[0]);
    expect(result.median_ms).toBe(sorted[2]);
    expect(result.mean_ms).toBeCloseTo(sorted.reduce((a, b) => a + b, 0) / 5, 9);
  });

  it('prints a one-line summary without --json', async () => {
    const r = await cli('bench', conv, '-r', '2', '-w', '0');
    expect(r.code).toBe(0);
    expect(r.out).toHaveLength(1);
    expect(r.out[0]).toMatch(
      /on ref \(1 thread\): median [\d.e-]+ ms, min [\d.e-]+ ms, mean [\d.e-]+ ms over 2 runs \(0 warm-up\)$/,
    );
  });

  it('needs --shape for symbolic dims and uses it', async () => {
    const r = await cli('bench', symbolic, '-r', '1');
    expect(r.code).toBe(1);
    expect(r.err[0]).toMatch(
      /input 'image' has symbolic dims \[N, 3, H, W\]; give a concrete shape with --shape image=1x3x1x1/,
    );
    const ok = await cli('bench', symbolic, '-r', '1', '--shape', '2x3x5x5', '--json');
    expect(ok.code).toBe(0);
    expect((JSON.parse(ok.out.at(-1) as string) as BenchResult).runs).toBe(1);
  });

  it('rejects bad counts and unknown backends as usage errors', async () => {
    expect((await cli('bench', conv, '--runs', '0')).code).toBe(2);
    expect((await cli('bench', conv, '--threads', 'two')).code).toBe(2);
    expect((await cli('bench', conv, '--warmup', '-1')).code).toBe(2);
    expect((await cli('bench', conv, '--backend', 'gpu')).code).toBe(2);
  });
});

describe('bench helpers', () => {
  it('median of an even count is the mean of the middle two', () => {
    const r = summarizeTimes('m', 'ref', 1, 0, [4, 1, 3, 2]);
    expect([r.median_ms, r.min_ms, r.max_ms, r.mean_ms]).toEqual([2.5, 1, 4, 2.5]);
    expect(r.times_ms).toEqual([4, 1, 3, 2]);
  });

  it('random inputs are seeded and follow the dtype', () => {
    const info = { name: 'x', dtype: 'float32' as const, shape: [2, 3] };
    const a = randomTensor(info, undefined, new Rng(9));
    const b = randomTensor(info, undefined, new Rng(9));
    expect(a.data).toEqual(b.data);
    expect(a.toNumbers().every((v) => v >= -1 && v < 1)).toBe(true);
    const ids = randomTensor({ name: 'i', dtype: 'int64', shape: [4] }, undefined, new Rng(1));
    expect(ids.data).toBeInstanceOf(BigInt64Array);
    expect(ids.toNumbers().every((v) => Number.isInteger(v) && v >= 0 && v <= 9)).toBe(true);
    expect(randomTensor(info, [1, 5], new Rng(1)).dims).toEqual([1, 5]);
  });
});
