import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { BenchResult } from '../../src/cli/bench.js';
import { readNpy, writeNpy } from '../../src/io/node.js';
import { cli, convReluModel, removeWorkDirs, workDir } from '../cli/models.js';
import { Rng, randomInput } from './ref-oracle.js';
import { differingElements } from './threads-helpers.js';

afterAll(removeWorkDirs);

describe('atrous run / bench --threads on the wasm backend', () => {
  it('run --threads 2 writes the same bits as --threads 1', async () => {
    const dir = workDir();
    const model = convReluModel(dir);
    const x = join(dir, 'x.npy');
    await writeNpy(x, randomInput(new Rng(9), [1, 3, 4, 4]));
    const outs = [];
    for (const t of ['1', '2']) {
      const y = join(dir, `y${t}.npy`);
      const r = await cli('run', model, '--backend', 'wasm', '--threads', t, '-i', x, '-o', y);
      expect(r.code, r.err.join('\n')).toBe(0);
      outs.push(await readNpy(y));
    }
    expect(differingElements(outs[0] as never, outs[1] as never)).toBe(0);
  });

  it('bench --threads 2 runs threaded and reports it; bad counts are usage errors (exit 2)', async () => {
    const model = convReluModel(workDir());
    const r = await cli(
      'bench',
      model,
      '--backend',
      'wasm',
      '--threads',
      '2',
      '-r',
      '3',
      '-w',
      '1',
      '--json',
    );
    expect(r.code, r.err.join('\n')).toBe(0);
    expect(JSON.parse(r.out.at(-1) as string) as BenchResult).toMatchObject({
      backend: 'wasm',
      threads: 2,
      runs: 3,
    });
    const bad = await cli('run', model, '--backend', 'wasm', '--threads', '0', '-i', 'x.npy');
    expect(bad.code).toBe(2);
    expect(bad.err.join('\n')).toMatch(/--threads/);
  });
});
