import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encode as encodePng } from 'fast-png';
import { runCli } from '../../src/cli/program.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import { exportOnnx } from '../../src/graph/export/onnx.js';
import type { Dim } from '../../src/graph/ir.js';

const created: string[] = [];

/** A fresh temp folder for the small models and files the CLI tests run on. */
export function workDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'atrous-cli-'));
  created.push(dir);
  return dir;
}

/** Removes the folders workDir() made (call from afterAll). */
export function removeWorkDirs(): void {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** x (1, 3, 4, 4) → Conv 1x1 (2 filters, bias) → Relu → y (1, 2, 4, 4). 8 parameters. */
export function convReluModel(dir: string): string {
  const b = new GraphBuilder('conv-relu', { seed: 3 });
  const x = b.input('x', [1, 3, 4, 4]);
  const w = b.param('w', [2, 3, 1, 1], [1, 0, 0, 0, -1, 0]);
  const bias = b.param('b', [2], [0, 0.5]);
  b.output(b.op('Relu', [b.op('Conv', [x, w, bias])], {}, { name: 'relu', outputs: ['y'] }));
  return save(dir, 'conv-relu.onnx', b);
}

/** Two inputs a, b (2, 3): outputs sum = a + b and pos = Relu(a). */
export function twoInputModel(dir: string): string {
  const b = new GraphBuilder('two', { seed: 1 });
  const a = b.input('a', [2, 3]);
  const c = b.input('b', [2, 3]);
  b.op('Add', [a, c], {}, { name: 'add', outputs: ['sum'] });
  b.op('Relu', [a], {}, { name: 'relu', outputs: ['pos'] });
  b.output('sum', 'pos');
  return save(dir, 'two.onnx', b);
}

/** image (1, 3, H, W) → Sigmoid → logits: the argmax is the channel with the largest normalized value. */
export function sigmoidSegModel(dir: string, shape: Dim[] = [1, 3, 8, 8], name = 'seg.onnx'): string {
  const b = new GraphBuilder('seg');
  const x = b.input('image', shape);
  b.output(b.op('Sigmoid', [x], {}, { name: 'sig', outputs: ['logits'] }));
  return save(dir, name, b);
}

function save(dir: string, file: string, b: GraphBuilder): string {
  const path = join(dir, file);
  writeFileSync(path, exportOnnx(b.build()));
  return path;
}

/** A 16x16 PNG: top half red, bottom-left green, bottom-right blue. */
export function quadrantPng(dir: string, name = 'quad.png'): string {
  const data = new Uint8Array(16 * 16 * 3);
  for (let y = 0; y < 16; y++) {
    for (let x = 0; x < 16; x++) {
      const c = y < 8 ? 0 : x < 8 ? 1 : 2;
      data[(y * 16 + x) * 3 + c] = 255;
    }
  }
  const path = join(dir, name);
  writeFileSync(path, encodePng({ width: 16, height: 16, data, channels: 3, depth: 8 }));
  return path;
}

export interface CliResult {
  code: number;
  out: string[];
  err: string[];
}

/** Runs the CLI in-process, collecting its output lines. */
export async function cli(...argv: string[]): Promise<CliResult> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}
