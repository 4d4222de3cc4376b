import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { readBytes } from '../../src/io/node.js';
import { parseNpy } from '../../src/io/npy.js';
import { TORCHVISION_MODELS } from '../../src/zoo/torchvision/index.js';
import { relativeError } from '../helpers/compare.js';
import { cli, removeWorkDirs, workDir } from './models.js';

/**
 * The issue's end-to-end path for every torchvision name, on weights no other code path saw:
 * `atrous zoo build <name> --weights w.safetensors --out m.atrous` then
 * `atrous run m.atrous --input x.npy --output y.npy` must reproduce PyTorch (relative error ≤ 1e-3).
 * Fixtures: test/fixtures/generated/zoo, written by scripts/make-zoo-fixtures.py (CI runs it).
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const GENERATED = process.env.ATROUS_ZOO_FIXTURES ?? join(ROOT, 'test/fixtures/generated/zoo');
const manifestPath = join(GENERATED, 'manifest.json');

interface Entry {
  inputSize: [number, number];
  classes: number;
  aux: boolean;
  weights: string;
  input: string;
}
const models: Record<string, Entry> = existsSync(manifestPath)
  ? (JSON.parse(readFileSync(manifestPath, 'utf8')) as { models: Record<string, Entry> }).models
  : {};

afterAll(removeWorkDirs);

describe('atrous zoo build + atrous run reproduce PyTorch', () => {
  for (const { name } of TORCHVISION_MODELS) {
    const entry = models[name];
    const present = entry !== undefined && existsSync(join(GENERATED, entry.weights));
    it.skipIf(!present)(
      `${name} (needs \`OMP_NUM_THREADS=2 /usr/bin/python3 scripts/make-zoo-fixtures.py --models ${name}\`)`,
      async () => {
        if (!entry) return;
        const dir = workDir();
        const model = join(dir, `${name}.atrous`);
        const [h, w] = entry.inputSize;
        const build = await cli(
          'zoo',
          'build',
          name,
          '--classes',
          String(entry.classes),
          '--input-size',
          `${h}x${w}`,
          ...(entry.aux ? ['--aux'] : []),
          '--weights',
          join(GENERATED, entry.weights),
          '--out',
          model,
        );
        expect(build.code, build.err.join('\n')).toBe(0);
        const heads = entry.aux ? ['out', 'aux'] : ['out'];
        const run = await cli(
          'run',
          model,
          '--input',
          join(GENERATED, entry.input),
          ...heads.flatMap((head) => ['--output', `${head}=${join(dir, `${head}.npy`)}`]),
        );
        expect(run.code, run.err.join('\n')).toBe(0);
        for (const head of heads) {
          const expected = parseNpy(await readBytes(join(GENERATED, `${name}.${head}.npy`)));
          const actual = parseNpy(await readBytes(join(dir, `${head}.npy`)));
          expect([...actual.dims]).toEqual([...expected.dims]);
          expect(relativeError(actual, expected), `${name} ${head}`).toBeLessThanOrEqual(1e-3);
        }
      },
      300_000,
    );
  }
});
