import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hashText } from '../../src/engine/backends/webgpu/shaders.js';
import { specializeWgsl } from '../../src/engine/backends/webgpu/specialize.js';
import { formatProfile } from '../../src/engine/profile.js';
import { Session } from '../../src/engine/session.js';
import type { Tensor } from '../../src/engine/tensor.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import { exportOnnx } from '../../src/graph/export/onnx.js';
import { cli, removeWorkDirs, workDir } from '../cli/models.js';
import { expectClose } from '../helpers/compare.js';
import { randomFeeds, webgpuSkipReason } from './helpers.js';

const skip = await webgpuSkipReason();
if (skip) console.warn(`webgpu profile tests skipped: ${skip}`);

/** conv → sigmoid → reshape (a buffer copy on webgpu) → add: dispatches and a copy. */
function model() {
  const b = new GraphBuilder('profiled', { seed: 4 });
  const x = b.input('x', [1, 3, 8, 8]);
  const c = b.op(
    'Conv',
    [x, b.param('w', [4, 3, 3, 3]), b.param('b', [4])],
    { pads: [1, 1, 1, 1] },
    { name: 'conv' },
  );
  const s = b.op('Sigmoid', [c], {}, { name: 'sig' });
  const r = b.op('Reshape', [s, b.ints('shape', [1, 4, 64])], {}, { name: 'flat' });
  b.output(b.op('Add', [r, b.param('bias', [64])], {}, { name: 'add', outputs: ['y'] }));
  return b.build();
}

afterAll(removeWorkDirs);

describe('profile on the ref backend', () => {
  it('times every node on the CPU and formats a sorted table', async () => {
    const graph = model();
    const s = await Session.create(graph, { backend: 'ref', optimize: false, profile: true });
    expect(s.lastProfile()).toBeUndefined();
    await s.run(randomFeeds(graph, 1));
    const p = s.lastProfile();
    expect(p?.method).toBe('cpu');
    expect(p?.nodes.map((n) => n.node)).toEqual(['conv', 'sig', 'flat', 'add']);
    expect(p?.nodes.every((n) => n.ms >= 0)).toBe(true);
    const table = formatProfile({
      method: 'cpu',
      nodes: [
        { node: 'a', op: 'Relu', ms: 1 },
        { node: 'b', op: 'Conv', ms: 3 },
      ],
    });
    expect(table[1]).toMatch(/^node\s+op\s+ms\s+%$/);
    expect(table[2]).toMatch(/^b\s+Conv\s+3\.000\s+75\.0$/);
    expect(table[3]).toMatch(/^a\s+Relu\s+1\.000\s+25\.0$/);
    expect(table[4]).toMatch(/^total\s+4\.000\s+100\.0$/);
    s.release();
  });
});

describe.skipIf(skip !== undefined)('profile and shader dump on webgpu', () => {
  it('timestamp queries give per-node GPU time, and the profiled run computes the same result', async () => {
    const graph = model();
    const feeds = randomFeeds(graph, 2);
    const plain = await Session.create(graph, { backend: 'webgpu', optimize: false });
    const timed = await Session.create(graph, { backend: 'webgpu', optimize: false, profile: true });
    const forced = await Session.create(graph, { backend: 'webgpu', optimize: false, profile: 'submit' });
    try {
      const want = (await plain.run(feeds)).y as Tensor;
      expect(plain.lastProfile()).toBeUndefined();
      expectClose((await timed.run(feeds)).y as Tensor, want, { atol: 0, rtol: 0 }, 'timestamp run');
      const p = timed.lastProfile();
      // SwiftShader (Dawn) has 'timestamp-query'; the reshape copy takes no GPU time and is left out.
      expect(p?.method).toBe('timestamp-query');
      expect(p?.nodes.map((n) => n.node).sort()).toEqual(['add', 'conv', 'sig']);
      expect(p?.nodes.reduce((t, n) => t + n.ms, 0)).toBeGreaterThan(0);
      expect(p?.note).toMatch(/copies/);
      expectClose((await forced.run(feeds)).y as Tensor, want, { atol: 0, rtol: 0 }, 'submit run');
      const q = forced.lastProfile();
      expect(q?.method).toBe('submit');
      expect(q?.note).toMatch(/submitted alone/);
      expect(q?.nodes.map((n) => n.node)).toEqual(['conv', 'sig', 'flat', 'add']);
    } finally {
      plain.release();
      timed.release();
      forced.release();
    }
  });

  it('shaders() holds the exact kernel text of every pipeline, named <stem>-<hash>.wgsl', async () => {
    const graph = model();
    const s = await Session.create(graph, { backend: 'webgpu', optimize: false });
    try {
      const dump = s.shaders();
      expect(dump?.uses.map((u) => u.node).sort()).toEqual(['add', 'conv', 'sig']);
      // Each file: its kernel specialised to the use's overrides (specialize.ts), named by its hash.
      for (const u of dump?.uses ?? []) {
        const [, stem, hash] = /^(.*)-([0-9a-f]{8})\.wgsl$/.exec(u.file) ?? [];
        const text = dump?.files.get(u.file);
        expect(text).toBe(specializeWgsl(readFileSync(`kernels/${stem}.wgsl`, 'utf8'), u.overrides));
        expect(hashText(text as string)).toBe(hash);
      }
      expect(dump?.files.size).toBe(new Set(dump?.uses.map((u) => u.file)).size);
      // The conv's kernel (conv_gemm or conv_pixel) dropped the code of the features it does not use.
      const conv = dump?.uses.find((u) => u.node === 'conv');
      const stem = conv?.file.replace(/-[0-9a-f]{8}\.wgsl$/, '');
      expect(dump?.files.get(conv?.file ?? '')?.length).toBeLessThan(
        readFileSync(`kernels/${stem}.wgsl`, 'utf8').length,
      );
    } finally {
      s.release();
    }
  });

  it('atrous run --profile --dump-wgsl prints the table and writes the shaders and index.json', async () => {
    const dir = workDir();
    const modelPath = join(dir, 'm.onnx');
    writeFileSync(modelPath, exportOnnx(model()));
    const x = randomFeeds(model(), 3).x as Tensor;
    const { encodeNpy } = await import('../../src/io/npy.js');
    writeFileSync(join(dir, 'x.npy'), encodeNpy(x));
    const out = join(dir, 'wgsl');
    const r = await cli(
      'run',
      modelPath,
      '-i',
      join(dir, 'x.npy'),
      '--backend',
      'webgpu',
      '--no-optimize',
      '--profile',
      '--dump-wgsl',
      out,
    );
    expect(r.code).toBe(0);
    expect(r.out).toContain('profile (GPU time from timestamp queries):');
    expect(r.out.some((l) => /^conv\s+Conv\s+[\d.]+\s+[\d.]+$/.test(l))).toBe(true);
    const index = JSON.parse(readFileSync(join(out, 'index.json'), 'utf8')) as {
      node: string;
      file: string;
      overrides: Record<string, number>;
    }[];
    expect(index.map((e) => e.node).sort()).toEqual(['add', 'conv', 'sig']);
    for (const e of index) {
      expect(existsSync(join(out, e.file))).toBe(true);
      expect(e.overrides.WG).toBe(64);
    }
    const bad = await cli('run', modelPath, '-i', join(dir, 'x.npy'), '--dump-wgsl', out);
    expect(bad.code).not.toBe(0);
    expect(bad.err.join('\n')).toMatch(/--dump-wgsl needs --backend webgpu/);
  });

  it('atrous bench --dump-wgsl: timed runs after the upgrades, both tiers in the dump (software adapter)', async () => {
    const { acquireDevice } = await import('../../src/engine/backends/webgpu/device.js');
    const gpu = await acquireDevice();
    const software = gpu.software;
    gpu.destroy();
    const b = new GraphBuilder('wide', { seed: 5 });
    b.output(b.op('Conv', [b.input('x', [1, 3, 8, 8]), b.param('w', [32, 3, 3, 3])], { pads: [1, 1, 1, 1] }));
    const dir = workDir();
    const modelPath = join(dir, 'wide.onnx');
    writeFileSync(modelPath, exportOnnx(b.build()));
    const out = join(dir, 'wgsl-bench');
    const r = await cli(
      'bench',
      modelPath,
      '--backend',
      'webgpu',
      '--runs',
      '2',
      '--warmup',
      '1',
      '--dump-wgsl',
      out,
    );
    expect(r.code).toBe(0);
    const index = JSON.parse(readFileSync(join(out, 'index.json'), 'utf8')) as {
      overrides: Record<string, number>;
    }[];
    // 32 output channels: CBK 8 once upgraded, CBK 2 first; a GPU runs conv_pixel (no CBK).
    expect(index.map((e) => e.overrides.CBK)).toEqual(software ? [2, 8] : [undefined]);
  });
});
