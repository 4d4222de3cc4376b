import { afterEach, describe, expect, it } from 'vitest';
import { ignoredFeatures, tuning } from '../../src/engine/backends/webgpu/index.js';
import { packGemm, retileBlocks } from '../../src/engine/backends/webgpu/kernels/conv_gemm.js';
import { loadWgsl, registerWgsl } from '../../src/engine/backends/webgpu/shaders.js';
import { Session } from '../../src/engine/session.js';
import type { Tensor } from '../../src/engine/tensor.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import type { Graph } from '../../src/graph/ir.js';
import { expectClose } from '../helpers/compare.js';
import { randomFeeds, webgpuSkipReason } from './helpers.js';

/**
 * Tiered start-up (DispatchStep.upgrade, upgrades.ts): on a software adapter a conv that conv_gemm
 * runs with another channel-block count starts on CBK = 2 (FIRST_TIER_CBK, re-tiled weights) and
 * switches to its own CBK once that pipeline compiled, after the first run or when `upgraded()` asks.
 */
const skip = await webgpuSkipReason();
if (skip) console.warn(`webgpu tests skipped: ${skip}`);

describe('retileBlocks', () => {
  /** conv_gemm's layout for `to` blocks per tile, written out: [group][tile][r][s][ic][4 * to], zero past the group's channels. */
  function expected(group: number, mg: number, cg: number, taps: number, k: number, to: number) {
    const w = (oc: number, kk: number) => oc * 100 + kk + 1;
    const tiles = Math.ceil(Math.ceil(mg / 4) / to);
    const wantW = new Float32Array(group * tiles * k * 4 * to);
    const wantB = new Float32Array(group * tiles * 4 * to);
    for (let oc = 0; oc < group * mg; oc++) {
      const g = Math.floor(oc / mg);
      const tile = g * tiles + Math.floor((oc % mg) / (4 * to));
      const lane = (oc % mg) % (4 * to);
      wantB[tile * 4 * to + lane] = -(oc + 1);
      for (let ic = 0; ic < cg; ic++) {
        for (let t = 0; t < taps; t++) wantW[(tile * k + t * cg + ic) * 4 * to + lane] = w(oc, ic * taps + t);
      }
    }
    return { tiles, wantW, wantB };
  }

  for (const [mg, to] of [
    [37, 1],
    [37, 2],
    [37, 4],
    [3, 2],
  ] as const) {
    it(`re-tiles conv_gemm weights and bias packed for their own CBK as ${to}-block tiles (2 groups of ${mg} channels)`, () => {
      const [group, cg, kh, kw] = [2, 3, 2, 2];
      const pk = packGemm(
        group * mg,
        group,
        cg,
        kh,
        kw,
        (oc, k) => oc * 100 + k + 1,
        (oc) => -(oc + 1),
      );
      expect(pk.cbk).toBe(mg === 37 ? 8 : 1);
      const { tiles, wantW, wantB } = expected(group, mg, cg, kh * kw, pk.k, to);
      expect(retileBlocks(pk.weights, group, pk.tilesM, pk.k, pk.cbk, tiles, to)).toEqual(wantW);
      expect(retileBlocks(pk.bias, group, pk.tilesM, 1, pk.cbk, tiles, to)).toEqual(wantB);
    });
  }
});

/** Two convs (32 and 3 output channels: CBK 8 and 1) and a 4x4 ConvTranspose (16 channels: CBK 4). */
function chain(): Graph {
  const b = new GraphBuilder('tiers', { seed: 11 });
  const x = b.input('x', [1, 5, 9, 7]);
  const c1 = b.op('Conv', [x, b.param('w1', [32, 5, 3, 3]), b.param('b1', [32])], { pads: [1, 1, 1, 1] });
  const up = b.op('ConvTranspose', [c1, b.param('wt', [32, 16, 4, 4]), b.param('bt', [16])], {
    strides: [2, 2],
    pads: [1, 1, 1, 1],
  });
  b.output(b.op('Conv', [up, b.param('w2', [3, 16, 1, 1])], {}));
  return b.build();
}

const TOL = { atol: 1e-4, rtol: 1e-4 };

/** The only output of `g` for `feeds` on the ref backend: what each tier must give. */
async function refOutput(g: Graph, feeds: Record<string, Tensor>): Promise<Tensor> {
  const ref = await Session.create(g, { backend: 'ref', optimize: false });
  try {
    return Object.values(await ref.run(feeds))[0] as Tensor;
  } finally {
    ref.release();
  }
}

/** The only output of a run of `s`. */
const output = async (s: Session, feeds: Record<string, Tensor>) =>
  Object.values(await s.run(feeds))[0] as Tensor;

/** CBK of each conv_gemm pipeline use, in request order. */
const cbks = (s: Session) =>
  (s.shaders()?.uses ?? []).filter((u) => u.file.startsWith('conv_gemm')).map((u) => u.overrides.CBK);

describe.skipIf(skip !== undefined)('webgpu tiered start-up', () => {
  // The device keeps what any session compiled (a later session starts on compiled upgrades), so
  // each test that watches the first tier uses pipelines no earlier test asked for.
  afterEach(() => {
    ignoredFeatures.clear();
    tuning.software = undefined;
    tuning.tiered = undefined;
  });

  it('runs CBK 2 first (re-tiled from 8, 4 and 1 blocks), its own CBK after upgraded(), both matching ref', async () => {
    tuning.software = true;
    const g = chain();
    const feeds = randomFeeds(g, 4);
    const want = await refOutput(g, feeds);
    const gpu = await Session.create(g, { backend: 'webgpu', optimize: false });
    try {
      const first = await output(gpu, feeds);
      // conv, 4 ConvTranspose phases, conv: six dispatches, one CBK = 2 pipeline (the upgrades are
      // asked for once the first run is done, and swapped in at the start of a later run).
      expect(cbks(gpu).slice(0, 6)).toEqual([2, 2, 2, 2, 2, 2]);
      await gpu.upgraded();
      const second = await output(gpu, feeds);
      expect(cbks(gpu).slice(6)).toEqual([8, 4, 4, 4, 4, 1]);
      const third = await output(gpu, feeds);
      expectClose(first, want, TOL, 'first tier');
      expectClose(second, want, TOL, 'upgraded');
      expect(third.data).toEqual(second.data);
    } finally {
      gpu.release();
    }
  });

  it('depthwise convs start on depthwise.wgsl (upgrade: the row kernel), few-pixel convs on conv_gemm (upgrade: conv_pixel)', async () => {
    tuning.software = true;
    const b = new GraphBuilder('dw_se', { seed: 12 });
    const x = b.input('x', [1, 256, 4, 9]);
    const dw = b.op('Conv', [x, b.param('wd', [256, 1, 3, 3]), b.param('bd', [256])], {
      group: 256,
      pads: [1, 1, 1, 1],
    });
    const pooled = b.op('GlobalAveragePool', [dw]);
    // 256 → 128 at one pixel: FEW_PIXELS_MIN_MACS multiply-adds, so conv_pixel once upgraded.
    b.output(b.op('Conv', [pooled, b.param('ws', [128, 256, 1, 1]), b.param('bs', [128])], {}));
    const g = b.build();
    const feeds = randomFeeds(g, 9);
    const want = await refOutput(g, feeds);
    const gpu = await Session.create(g, { backend: 'webgpu', optimize: false });
    try {
      const stems = () => (gpu.shaders()?.uses ?? []).map((u) => u.file.replace(/-[0-9a-f]+\.wgsl$/, ''));
      const first = stems();
      expect(first).toEqual(['depthwise', 'pool', 'conv_gemm']);
      expectClose(await output(gpu, feeds), want, TOL, 'first tier');
      await gpu.upgraded();
      expect(stems().slice(first.length)).toEqual(['depthwise_row', 'conv_pixel']);
      expectClose(await output(gpu, feeds), want, TOL, 'upgraded');
    } finally {
      gpu.release();
    }
  });

  it('upgraded() before the first run compiles the upgrades, then the run goes on them', async () => {
    tuning.software = true;
    ignoredFeatures.add('subgroups'); // conv_gemm_nosg: pipelines the test above did not compile
    const g = chain();
    const s = await Session.create(g, { backend: 'webgpu', optimize: false });
    try {
      expect(cbks(s)).toEqual([2, 2, 2, 2, 2, 2]);
      await s.upgraded();
      await s.upgraded(); // settled: asks nothing more
      expect(cbks(s)).toHaveLength(12);
      expect(cbks(s).slice(6)).toEqual([8, 4, 4, 4, 4, 1]);
      const feeds = randomFeeds(g, 5);
      expectClose(await output(s, feeds), await refOutput(g, feeds), TOL, 'upgraded first run');
    } finally {
      s.release();
    }
  });

  it('a later session on the device starts on the upgrades an earlier one compiled', async () => {
    tuning.software = true;
    const g = chain();
    const a = await Session.create(g, { backend: 'webgpu', optimize: false });
    try {
      await a.upgraded();
      const b = await Session.create(g, { backend: 'webgpu', optimize: false });
      try {
        expect(cbks(b)).toEqual([8, 4, 4, 4, 4, 1]);
        await b.upgraded();
        expect(cbks(b)).toHaveLength(6);
      } finally {
        b.release();
      }
    } finally {
      a.release();
    }
  });

  it('is off with tuning.tiered = false, in profiled sessions and with the GPU tuning', async () => {
    const g = chain();
    const kernels = async (options: { profile?: boolean }) => {
      const s = await Session.create(g, { backend: 'webgpu', optimize: false, ...options });
      try {
        await s.run(randomFeeds(g, 6));
        await s.upgraded();
        return (s.shaders()?.uses ?? []).map((u) => `${u.file.replace(/-.*/, '')}:${u.overrides.CBK ?? ''}`);
      } finally {
        s.release();
      }
    };
    tuning.software = true;
    tuning.tiered = false;
    expect(await kernels({})).toEqual([
      'conv_gemm:8',
      'conv_gemm:4',
      'conv_gemm:4',
      'conv_gemm:4',
      'conv_gemm:4',
      'conv_gemm:1',
    ]);
    tuning.tiered = undefined;
    expect(await kernels({ profile: true })).toHaveLength(6);
    tuning.software = false;
    expect(await kernels({})).toEqual(new Array(6).fill('conv_pixel:'));
  });

  it('a failed upgrade rejects upgraded(), and the session goes on with the right answer', async () => {
    tuning.software = true;
    ignoredFeatures.add('subgroups');
    const original = await loadWgsl('conv_gemm_nosg');
    // 64 invocations at CBK 1, 2 and 4; 512 at CBK 8, past the 256 a device gives by default: only
    // the 32-channel conv's upgrade fails (at pipeline creation).
    const broken = original.replace('@compute @workgroup_size(WG)', '@compute @workgroup_size(WG * CBK)');
    expect(broken).not.toBe(original);
    const g = chain();
    const feeds = randomFeeds(g, 8);
    const want = await refOutput(g, feeds);
    registerWgsl('conv_gemm_nosg', broken);
    const gpu = await Session.create(g, { backend: 'webgpu', optimize: false }).catch((e: unknown) => {
      registerWgsl('conv_gemm_nosg', original);
      throw e;
    });
    try {
      expectClose(await output(gpu, feeds), want, TOL, 'first tier');
      await expect(gpu.upgraded()).rejects.toThrow(/conv_gemm_nosg\.wgsl failed to compile/);
      expectClose(await output(gpu, feeds), want, TOL, 'after the failure');
    } finally {
      registerWgsl('conv_gemm_nosg', original);
      gpu.release();
    }
  });

  it('a session released while its upgrades compile: no error, upgraded() says it was released', async () => {
    tuning.software = true;
    const g = chain();
    const s = await Session.create(g, { backend: 'webgpu', optimize: false });
    await s.run(randomFeeds(g, 7));
    s.release();
    await expect(s.upgraded()).rejects.toThrow(/released/);
    // A second session awaits the same pipelines (the device's cache): once it has them, the
    // released session's upgrades have settled too (an error would fail this test as unhandled).
    const again = await Session.create(g, { backend: 'webgpu', optimize: false });
    try {
      await again.upgraded();
    } finally {
      again.release();
    }
  });
});
