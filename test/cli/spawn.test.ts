import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { decode as decodePng } from 'fast-png';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wgslRaw } from '../../scripts/esbuild-wgsl.js';
import { Tensor } from '../../src/engine/tensor.js';
import { encodeNpy, parseNpy } from '../../src/io/npy.js';
import { convReluModel, quadrantPng, removeWorkDirs, sigmoidSegModel, workDir } from './models.js';

/**
 * End-to-end: the CLI bundled by tsup, run as a child process (exit codes, stdout/stderr, explicit
 * exit). Built into a private folder with the project's entry names and chunking, so it neither
 * races with `npm run build` nor depends on a stale dist/.
 */
const ROOT = resolve(import.meta.dirname, '../..');
const OUT = join(ROOT, 'node_modules/.cache/atrous-cli-test');
const MAIN = join(OUT, 'cli/main.js');

let dir: string;

beforeAll(async () => {
  // tsup's API rather than its CLI: the WGSL kernels go in through an esbuild plugin.
  const { build } = await import('tsup');
  await build({
    config: false,
    entry: { 'cli/main': 'src/cli/main.ts', index: 'src/index.ts' },
    format: ['esm'],
    target: 'es2022',
    platform: 'neutral',
    splitting: true,
    external: ['node:*'],
    outDir: OUT,
    silent: true,
    esbuildPlugins: [wgslRaw],
  });
  dir = workDir();
});

afterAll(removeWorkDirs);

function atrous(args: string[], cwd = dir) {
  const r = spawnSync(process.execPath, [MAIN, ...args], { cwd, encoding: 'utf8', timeout: 110_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('atrous (spawned)', () => {
  it('--help lists the commands and exits 0', () => {
    const r = atrous(['--help']);
    expect(r.code).toBe(0);
    for (const cmd of ['run', 'info', 'segment', 'bench']) expect(r.stdout).toContain(cmd);
  });

  it('run: reads .npy, writes .npy, prints the summary', () => {
    const model = convReluModel(dir);
    const x = join(dir, 'x.npy');
    writeFileSync(x, encodeNpy(new Tensor('float32', [1, 3, 4, 4], new Float32Array(48).fill(2))));
    const y = join(dir, 'y.npy');
    const r = atrous(['run', model, '--input', x, '--output', y]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    // Channel 0: relu(2) = 2; channel 1: relu(-2 + 0.5) = 0.
    expect(r.stdout).toBe(`y: float32 [1, 2, 4, 4] min 0 max 2 mean 1 -> ${y}\n`);
    expect(
      parseNpy(new Uint8Array(readFileSync(y)))
        .toNumbers()
        .slice(14, 18),
    ).toEqual([2, 2, 0, 0]);
  });

  it('expected errors: one line on stderr, no stack trace, exit 1 (2 for usage)', () => {
    const missing = join(dir, 'missing.onnx');
    const r = atrous(['info', missing]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`atrous: ${missing}: no such file or directory\n`);
    const usage = atrous(['run', missing, '--backend', 'tpu']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/^atrous: option .* argument 'tpu' is invalid/);
    expect(usage.stderr).not.toMatch(/\n\s+at /);
  });

  it('bench --json: the last stdout line parses', () => {
    const r = atrous(['bench', convReluModel(dir), '--runs', '3', '--json']);
    expect(r.code).toBe(0);
    const last = r.stdout.trim().split('\n').at(-1) as string;
    const result = JSON.parse(last) as Record<string, unknown>;
    for (const key of ['median_ms', 'min_ms', 'mean_ms', 'runs', 'backend', 'threads', 'model']) {
      expect(result).toHaveProperty(key);
    }
    expect(result.runs).toBe(3);
  });

  it('segment writes valid PNGs', () => {
    const mask = join(dir, 'm.png');
    const over = join(dir, 'o.png');
    const r = atrous(['segment', sigmoidSegModel(dir), quadrantPng(dir), '-o', mask, '--overlay', over]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(decodePng(readFileSync(mask)).width).toBe(16);
    expect(decodePng(readFileSync(over)).channels).toBe(3);
  });

  it('segment with no arguments runs the selfie model on the bundled photo: mask.png, blur.png, overlay.png', () => {
    const cwd = workDir();
    const r = atrous(['segment'], cwd);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const mask = decodePng(readFileSync(join(cwd, 'mask.png')));
    const blur = decodePng(readFileSync(join(cwd, 'blur.png')));
    const overlay = decodePng(readFileSync(join(cwd, 'overlay.png')));
    // The bundled astronaut photo is 512x512: a person on the left, a flag and a rocket model behind.
    expect([mask.width, mask.height, mask.channels]).toEqual([512, 512, 1]);
    expect([blur.width, blur.height, overlay.width, overlay.height]).toEqual([512, 512, 512, 512]);
    expect(mask.data[110 * 512 + 225]).toBeGreaterThan(200); // her face
    expect(mask.data[40 * 512 + 480]).toBeLessThan(50); // the top-right background
    expect(r.stdout).toMatch(/^mask\.png: 512x512 person mask/);
    expect(r.stdout).toMatch(/model selfie_segmentation\.tflite on (wasm|webgpu) \(/);
  });
});
