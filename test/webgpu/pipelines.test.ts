import { afterAll, describe, expect, it } from 'vitest';
import { acquireDevice, type GpuContext } from '../../src/engine/backends/webgpu/device.js';
import { ignoredFeatures } from '../../src/engine/backends/webgpu/index.js';
import { PipelineCache, WgslCompileError } from '../../src/engine/backends/webgpu/pipelines.js';
import { registerWgsl } from '../../src/engine/backends/webgpu/shaders.js';
import { Session } from '../../src/engine/session.js';
import { Tensor } from '../../src/engine/tensor.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import type { Graph } from '../../src/graph/ir.js';
import { expectMatchesRef, webgpuSkipReason } from './helpers.js';

const skip = await webgpuSkipReason();
const held: GpuContext[] = [];
afterAll(() => {
  for (const ctx of held) ctx.destroy();
});

describe.skipIf(skip !== undefined)('webgpu pipeline cache', () => {
  it('compiles a pipeline once per device, shared by caches; concurrent requests all resolve', async () => {
    const ctx = await acquireDevice();
    held.push(ctx);
    const a = new PipelineCache(ctx.device);
    const b = new PipelineCache(ctx.device);
    const label = { node: 'n', op: 'Relu' };
    const acts = [0, 1, 2, 3];
    const fromA = await Promise.all(acts.map((ACT) => a.get('activation', { WG: 64, ACT }, label)));
    const fromB = await Promise.all(acts.map((ACT) => b.get('activation', { WG: 64, ACT }, label)));
    expect(new Set(fromA).size).toBe(4);
    for (const [i, p] of fromB.entries()) expect(p).toBe(fromA[i]);
    // What each cache used is its own (the --dump-wgsl record).
    expect(a.uses).toHaveLength(4);
    expect(b.uses).toHaveLength(4);
  });

  it('an unknown override constant is a WgslCompileError naming the node, not cached', async () => {
    const ctx = await acquireDevice();
    held.push(ctx);
    const bad = { WG: 64, NO_SUCH_CONSTANT: 1 };
    const first = new PipelineCache(ctx.device).get('copy', bad, { node: 'first', op: 'Identity' });
    await expect(first).rejects.toBeInstanceOf(WgslCompileError);
    await expect(first).rejects.toThrow(/node 'first' \(Identity\): kernels\/copy\.wgsl failed to compile/);
    // Asked again from another session: compiled again, and the error names that node.
    const second = new PipelineCache(ctx.device).get('copy', bad, { node: 'second', op: 'Identity' });
    await expect(second).rejects.toThrow(/node 'second'/);
    // The module stays usable for good overrides.
    await expect(
      new PipelineCache(ctx.device).get('copy', { WG: 64 }, { node: 'ok', op: 'Identity' }),
    ).resolves.toBeDefined();
  });

  it('a WGSL syntax error is a WgslCompileError with the line and column of the module (asked again: again)', async () => {
    // The pipeline is asked for before the module's messages arrive: the messages still make the error.
    const ctx = await acquireDevice();
    held.push(ctx);
    registerWgsl('test_bad_syntax', '@compute @workgroup_size(1)\nfn main() {\n  let a: u32 = ;\n}\n');
    for (const node of ['first', 'second']) {
      const p = new PipelineCache(ctx.device).get('test_bad_syntax', {}, { node, op: 'Relu' });
      await expect(p).rejects.toBeInstanceOf(WgslCompileError);
      await expect(p).rejects.toThrow(
        new RegExp(`node '${node}' \\(Relu\\): kernels/test_bad_syntax\\.wgsl failed to compile: 3:\\d+ `),
      );
    }
  });

  it('a malformed specialisation directive is a WgslCompileError naming the node and the line', async () => {
    const ctx = await acquireDevice();
    held.push(ctx);
    registerWgsl(
      'test_bad_directive',
      'override N: u32 = 1u;\n// #if N >= 2\n@compute @workgroup_size(1)\nfn main() {}\n// #endif\n',
    );
    const cache = new PipelineCache(ctx.device);
    const p = cache.get('test_bad_directive', { N: 2 }, { node: 'n', op: 'Relu' });
    await expect(p).rejects.toBeInstanceOf(WgslCompileError);
    await expect(p).rejects.toThrow(
      /node 'n' \(Relu\): kernels\/test_bad_directive\.wgsl failed to compile: WGSL specialisation directive at line 2: cannot read condition 'N >= 2'/,
    );
    expect(cache.isCompiled('test_bad_directive', { N: 2 })).toBe(false);
  });

  it('a kernel compiles its text specialised to the constants; equal texts share one file (and module)', async () => {
    const ctx = await acquireDevice();
    held.push(ctx);
    registerWgsl(
      'test_regions',
      [
        'override N: u32 = 1u;',
        '@group(0) @binding(0) var<storage, read_write> y: array<f32>;',
        '@compute @workgroup_size(1)',
        'fn main() {',
        '  y[0] = 1.0;',
        '  // #if N > 1',
        '  if (N > 1u) { y[1] = 2.0; }',
        '  // #endif',
        '}',
      ].join('\n'),
    );
    const cache = new PipelineCache(ctx.device);
    for (const n of [1, 2, 3]) await cache.get('test_regions', { N: n }, { node: `n${n}`, op: 'Relu' });
    const texts = cache.uses.map((u) => cache.files.get(u.file) ?? '');
    expect(texts[0]).not.toContain('y[1]');
    expect(texts[1]).toContain('if (N > 1u) { y[1] = 2.0; }');
    expect(texts[2]).toBe(texts[1]);
    expect(cache.uses[2]?.file).toBe(cache.uses[1]?.file);
    expect(cache.files.size).toBe(2);
    expect(texts.every((t) => !t.includes('// #'))).toBe(true);
  });
});

type Proto = Record<string, (...a: unknown[]) => unknown>;

/** Records the named calls made on the prototypes' objects while `body` runs (label of the object or argument). */
async function recordCalls(
  wrap: [Proto, string][],
  body: () => Promise<unknown>,
): Promise<{ call: string; label: string }[]> {
  const calls: { call: string; label: string }[] = [];
  const saved = wrap.map(([proto, name]) => [proto, name, proto[name]] as const);
  for (const [proto, name, orig] of saved) {
    proto[name] = function (this: { label?: string }, ...a: unknown[]) {
      calls.push({ call: name, label: this.label ?? (a[0] as { label?: string })?.label ?? '' });
      return (orig as (...x: unknown[]) => unknown).apply(this, a);
    };
  }
  try {
    await body();
  } finally {
    for (const [proto, name, orig] of saved) proto[name] = orig;
  }
  return calls;
}

describe.skipIf(skip !== undefined)('webgpu cold start order', () => {
  it('asks for the pipelines before any buffer, and maps the output staging buffer once at create', async () => {
    // The compile runs on a worker thread (Chromium, Dawn) while buffers are made and first
    // touched; the first run then pays neither (README: Cold start, round 4).
    const b = new GraphBuilder('up', { seed: 3 });
    const x = b.input('x', [1, 3, 5, 6]);
    const scales = b.constant('scales', new Tensor('float32', [4], Float32Array.from([1, 1, 3, 3])));
    b.output(b.op('Resize', [x, '', scales], { mode: 'linear' }));
    const g = globalThis as unknown as Record<string, { prototype: Proto }>;
    const dev = g.GPUDevice?.prototype as Proto;
    const buf = g.GPUBuffer?.prototype as Proto;
    let session: Session | undefined;
    const calls = await recordCalls(
      [
        [dev, 'createComputePipelineAsync'],
        [dev, 'createBuffer'],
        [buf, 'mapAsync'],
      ],
      async () => {
        session = await Session.create(b.build(), { backend: 'webgpu', optimize: false });
      },
    );
    try {
      const firstPipeline = calls.findIndex((c) => c.call === 'createComputePipelineAsync');
      const firstBuffer = calls.findIndex((c) => c.call === 'createBuffer');
      expect(firstPipeline).toBeGreaterThanOrEqual(0);
      expect(firstPipeline).toBeLessThan(firstBuffer);
      const output = (session as Session).outputs[0]?.name as string;
      expect(calls.filter((c) => c.call === 'mapAsync').map((c) => c.label)).toEqual([`output ${output}`]);
      // And the first run reads the right values: a constant input stays constant when upsampled.
      const ones = new Tensor('float32', [1, 3, 5, 6], new Float32Array(90).fill(0.5));
      const y = await (session as Session).run({ x: ones });
      expect([...new Set((y[output] as Tensor).data as Float32Array)]).toEqual([0.5]);
    } finally {
      session?.release();
    }
  });
});

/**
 * A head like LR-ASPP's and a decoder's: 3x3, 1x1, dilated and transposed convs with activations
 * (Relu, HardSwish, Sigmoid, Tanh) and residual adds, at 32 and at 6 output channels.
 */
function convChain(): Graph {
  const b = new GraphBuilder('chain', { seed: 21 });
  const conv = (
    x: string,
    name: string,
    w: number[],
    attrs: Record<string, unknown> = {},
    op: 'Conv' | 'ConvTranspose' = 'Conv',
  ) =>
    b.op(op, [x, b.param(`${name}.w`, w), b.param(`${name}.b`, [(op === 'Conv' ? w[0] : w[1]) as number])], {
      ...(attrs as Record<string, number[]>),
    });
  const x = b.input('x', [1, 8, 10, 9]);
  const c1 = conv(x, 'c1', [32, 8, 3, 3], { pads: [1, 1, 1, 1], activation: 'Relu' });
  const r1 = b.op('Add', [conv(c1, 'c2', [32, 32, 1, 1]), c1]);
  const c3 = conv(r1, 'c3', [32, 32, 3, 3], {
    pads: [2, 2, 2, 2],
    dilations: [2, 2],
    activation: 'HardSwish',
  });
  const up = conv(c3, 'up', [32, 32, 4, 4], { strides: [2, 2], pads: [1, 1, 1, 1] }, 'ConvTranspose');
  const gate = conv(up, 'gate', [6, 32, 1, 1], { activation: 'Sigmoid' });
  const head = conv(up, 'head', [6, 32, 3, 3], { pads: [1, 1, 1, 1], activation: 'Tanh' });
  b.output(b.op('Add', [head, gate]));
  return b.build();
}

describe.skipIf(skip !== undefined)('webgpu pipeline sharing', () => {
  it('a conv chain compiles one conv_gemm pipeline per channel-block count, whatever the epilogue', async () => {
    // Each compiled conv_gemm pipeline costs a cold start hundreds of ms (SwiftShader and Vulkan
    // drivers alike): activation and residual are uniforms, so only CBK (8 for 32 channels, 2 for 6)
    // tells them apart. Every conv, ConvTranspose phase and Add runs as a conv_gemm dispatch. The
    // tiered start-up runs all nine on one CBK = 2 pipeline first (FIRST_TIER_CBK), then upgrades the
    // CBK 8 ones (both checked against ref by expectMatchesRef).
    const uses: { file: string; overrides: Record<string, number> }[] = [];
    // (conv_gemm_nosg: the device keeps what earlier tests compiled, and a session starts on
    // upgrades compiled already.)
    ignoredFeatures.add('subgroups');
    try {
      const s = await Session.create(convChain(), { backend: 'webgpu', optimize: false });
      await s.upgraded();
      uses.push(...(s.shaders()?.uses ?? []));
      s.release();
      await expectMatchesRef(convChain(), { atol: 5e-4, rtol: 1e-4 }, 3);
    } finally {
      ignoredFeatures.clear();
    }
    const cbks = (list: typeof uses) => [...new Set(list.map((u) => u.overrides.CBK))].sort();
    expect(uses.every((u) => u.file.startsWith('conv_gemm_nosg'))).toBe(true);
    expect(uses).toHaveLength(16);
    expect(cbks(uses.slice(0, 9))).toEqual([2]);
    expect(cbks(uses.slice(9))).toEqual([8]);
  });
});
