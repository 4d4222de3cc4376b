import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIO } from '../../src/cli/common.js';
import { UsageError } from '../../src/cli/common.js';
import type { ModelInfo } from '../../src/cli/info.js';
import { findModel, type ZooEntry, zooBuildCommand, zooConfig, zooListCommand } from '../../src/cli/zoo.js';
import { Session } from '../../src/engine/session.js';
import { Tensor } from '../../src/engine/tensor.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import { loadAtrous } from '../../src/graph/serialize/atrous-reader.js';
import { encodeNpy, parseNpy } from '../../src/io/npy.js';
import { Rng } from '../../src/util/random.js';
import { ZOO, type ZooConfig, type ZooModel } from '../../src/zoo/index.js';
import { loadWeights, randomWeights, WeightsMismatchError } from '../../src/zoo/weights/load.js';
import { encodeSafetensors } from '../../src/zoo/weights/safetensors.js';
import { expectClose } from '../helpers/compare.js';
import { cli, removeWorkDirs, workDir } from './models.js';

/** conv1 3x3 (3→4, no bias) → bn1 → Relu → classifier 1x1 (4→classes, bias): a zoo model in miniature. */
const tiny: ZooModel = {
  name: 'tiny_seg',
  task: 'segmentation',
  source: 'paper',
  description: 'a test model',
  defaults: { classes: 3, inputSize: [8, 8], seed: 1 },
  build(config: ZooConfig = {}) {
    const classes = config.classes ?? 3;
    const [h, w] = config.inputSize ?? [8, 8];
    const b = new GraphBuilder('tiny_seg', { seed: config.seed ?? 1 });
    const x = b.input('input', [1, 3, h, w]);
    let y = b.op('Conv', [x, b.param('conv1.weight', [4, 3, 3, 3])], { pads: [1, 1, 1, 1] });
    const bn = ['weight', 'bias', 'running_mean', 'running_var'].map((p) =>
      b.param(`bn1.${p}`, [4], undefined, 1),
    );
    y = b.op('Relu', [b.op('BatchNormalization', [y, ...bn])]);
    const head = b.op('Conv', [
      y,
      b.param('classifier.weight', [classes, 4, 1, 1]),
      b.param('classifier.bias', [classes]),
    ]);
    b.op('Identity', [head], {}, { outputs: ['out'] });
    b.output('out');
    return b.build();
  },
};

/** A model whose builder fails: the list reports it and goes on. */
const broken: ZooModel = {
  ...tiny,
  name: 'broken',
  build() {
    throw new Error('not written yet');
  },
};

/** A torchvision-style state_dict for tiny_seg with `classes` classes. */
function stateDict(classes: number, seed: number): Map<string, Tensor> {
  const rng = new Rng(seed);
  const f = (dims: number[], lo = -1, hi = 1) =>
    new Tensor(
      'float32',
      dims,
      rng.floats(
        dims.reduce((a, c) => a * c, 1),
        lo,
        hi,
      ),
    );
  return new Map<string, Tensor>([
    ['conv1.weight', f([4, 3, 3, 3])],
    ['bn1.weight', f([4])],
    ['bn1.bias', f([4])],
    ['bn1.running_mean', f([4])],
    ['bn1.running_var', f([4], 0.5, 2)],
    ['bn1.num_batches_tracked', Tensor.fromNumbers('int64', [], [7])],
    ['classifier.weight', f([classes, 4, 1, 1])],
    ['classifier.bias', f([classes])],
  ]);
}

function collect(): CliIO & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, out: (l) => lines.push(l), err: (l) => errors.push(l) };
}

let dir: string;
const x = new Tensor('float32', [1, 3, 6, 10], new Rng(11).floats(180));

beforeAll(() => {
  dir = workDir();
  writeFileSync(join(dir, 'x.npy'), encodeNpy(x));
});
afterAll(removeWorkDirs);

async function runModel(model: string): Promise<Tensor> {
  const out = join(dir, 'y.npy');
  const r = await cli('run', model, '--input', join(dir, 'x.npy'), '--output', out);
  expect(r.err).toEqual([]);
  expect(r.code).toBe(0);
  return parseNpy(new Uint8Array(readFileSync(out)));
}

async function reference(graph: Parameters<typeof Session.create>[0]): Promise<Tensor> {
  return (await (await Session.create(graph)).run({ input: x })).out as Tensor;
}

describe('atrous zoo list', () => {
  it('lists name, task, source, params and GFLOPs at the default size; FLOPs agree with atrous info', async () => {
    const io = collect();
    zooListCommand({ json: true }, io, [tiny]);
    const [entry] = JSON.parse(io.lines[0] as string) as ZooEntry[];
    // conv1 108 + bn1 weight/bias 8 (running stats are buffers) + classifier 12 + 3.
    expect(entry).toMatchObject({
      name: 'tiny_seg',
      task: 'segmentation',
      source: 'paper',
      parameters: 131,
      input: [1, 3, 8, 8],
    });
    const file = join(dir, 'tiny-default.atrous');
    await zooBuildCommand('tiny_seg', { out: file, randomWeights: true }, collect(), [tiny]);
    const info = JSON.parse((await cli('info', file, '--json')).out[0] as string) as ModelInfo;
    expect(entry?.flops).toBe(info.totalFlops);
    expect(entry?.flops).toBeGreaterThan(2 * 4 * 64 * 27); // At least conv1's multiply-adds.

    const text = collect();
    zooListCommand({}, text, [tiny]);
    expect(text.lines[0]).toMatch(/^name +task +source +params +GFLOPs +input$/);
    expect(text.lines[1]).toMatch(/^tiny_seg +segmentation +paper +0\.00 M +0\.00 +\[1, 3, 8, 8\]$/);
  });

  it('lists the models that build and names the ones that fail', () => {
    const io = collect();
    expect(() => zooListCommand({}, io, [broken, tiny])).toThrow(
      /1 zoo model\(s\) failed to build:\n {2}broken: not written yet/,
    );
    expect(io.lines).toHaveLength(2);
    expect(io.lines[1]).toMatch(/^tiny_seg /);
  });

  it('runs in the CLI on the real zoo; names pick models', async () => {
    // Building every model takes about a minute (their random weights): list two of them.
    const names = ZOO.map((m) => m.name).filter(
      (n) => n === 'lraspp_mobilenet_v3_large' || n === 'pointnet_seg',
    );
    const r = await cli('zoo', 'list', ...names);
    expect(r.err).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.out).toHaveLength(names.length === 0 ? 1 : names.length + 1);
    for (const n of names) expect(r.out.some((l) => l.startsWith(`${n} `))).toBe(true);
    // torchvision's published size of LR-ASPP MobileNetV3-Large at 21 classes: 3.2 M parameters.
    if (names.includes('lraspp_mobilenet_v3_large')) {
      expect(r.out.find((l) => l.startsWith('lraspp_'))).toMatch(/ 3\.22 M /);
    }
    const u = await cli('zoo', 'list', 'nope');
    expect(u.code).toBe(2);
    expect(u.err[0]).toMatch(/^atrous: unknown model 'nope'; the zoo has/);
  }, 120_000);
});

describe('atrous zoo build', () => {
  it('--random-weights: seeded weights, config flags honoured, the file runs with atrous run', async () => {
    const file = join(dir, 'tiny-random.atrous');
    const io = collect();
    const opts = { out: file, randomWeights: true, seed: '3', classes: '5', inputSize: '6x10' };
    await zooBuildCommand('tiny_seg', opts, io, [tiny]);
    expect(io.lines[0]).toMatch(
      /tiny-random.atrous: tiny_seg, 0\.00 M parameters, input \[1, 3, 6, 10\], weights random \(seed 3\)/,
    );
    const graph = loadAtrous(new Uint8Array(readFileSync(file)));
    expect(graph.metadata).toMatchObject({ zoo_model: 'tiny_seg', weights: 'random (seed 3)' });
    expect(JSON.parse(graph.metadata?.zoo_config as string)).toMatchObject({
      classes: 5,
      inputSize: [6, 10],
      seed: 3,
    });
    const expected = randomWeights(tiny.build({ classes: 5, inputSize: [6, 10], seed: 3 }), 3);
    expect(graph.initializers).toEqual(expected.initializers);
    const y = await runModel(file);
    expect(y.dims).toEqual([1, 5, 6, 10]);
    expectClose(y, await reference(expected), { atol: 1e-6, rtol: 1e-6 }, 'run vs session');
  });

  it('--weights: loads a safetensors state_dict by name; --fp16 stays within half precision', async () => {
    const weights = stateDict(5, 21);
    const st = join(dir, 'w.safetensors');
    writeFileSync(st, encodeSafetensors(weights));
    const file = join(dir, 'tiny-w.atrous');
    await zooBuildCommand(
      'tiny_seg',
      { out: file, weights: st, classes: '5', inputSize: '6x10' },
      collect(),
      [tiny],
    );
    const expected = await reference(loadWeights(tiny.build({ classes: 5, inputSize: [6, 10] }), weights));
    expectClose(await runModel(file), expected, { atol: 1e-6, rtol: 1e-6 }, 'fp32');
    const half = join(dir, 'tiny-w16.atrous');
    await zooBuildCommand(
      'tiny_seg',
      { out: half, weights: st, classes: '5', inputSize: '6x10', fp16: true },
      collect(),
      [tiny],
    );
    expect(statSync(half).size).toBeLessThan(statSync(file).size);
    expectClose(await runModel(half), expected, { atol: 2e-2, rtol: 1e-2 }, 'fp16');
  });

  it('mismatched weights: one error listing every problem, naming the file', async () => {
    const weights = stateDict(3, 21); // 3 classes, the build asks for 5.
    weights.delete('bn1.running_var');
    const st = join(dir, 'w3.safetensors');
    writeFileSync(st, encodeSafetensors(weights));
    const p = zooBuildCommand(
      'tiny_seg',
      { out: join(dir, 'bad.atrous'), weights: st, classes: '5' },
      collect(),
      [tiny],
    );
    await expect(p).rejects.toThrow(WeightsMismatchError);
    await expect(p).rejects.toThrow(
      `weights in ${st} do not match model 'tiny_seg' (3 problems):\n` +
        '  missing: bn1.running_var (expected float32 [4])\n' +
        '  shape: classifier.weight: expected float32 [5, 4, 1, 1], got float32 [3, 4, 1, 1]\n' +
        '  shape: classifier.bias: expected float32 [5], got float32 [3]',
    );
    writeFileSync(st, new Uint8Array([1, 2, 3]));
    await expect(
      zooBuildCommand('tiny_seg', { out: join(dir, 'bad.atrous'), weights: st }, collect(), [tiny]),
    ).rejects.toThrow(`${st}: safetensors: the file has 3 bytes`);
  });

  it('rejects bad command lines with a UsageError that says what to do', async () => {
    const out = join(dir, 'u.atrous');
    const bad = async (opts: Parameters<typeof zooBuildCommand>[1], message: RegExp) => {
      const p = zooBuildCommand('tiny_seg', opts, collect(), [tiny]);
      await expect(p).rejects.toThrow(UsageError);
      await expect(p).rejects.toThrow(message);
    };
    await bad({ out }, /give --weights file.safetensors, or --random-weights/);
    await bad({ out, weights: 'w', randomWeights: true }, /either --weights or --random-weights, not both/);
    await bad({ out, weights: 'w', seed: '1' }, /--seed goes with --random-weights/);
    await bad({ out, randomWeights: true, inputSize: '8xq' }, /--input-size '8xq' is not HxW/);
    await bad({ out, randomWeights: true, classes: '0' }, /--classes '0' must be an integer >= 1/);
    expect(
      zooConfig({
        out,
        classes: '7',
        outputStride: '16',
        inputSize: '33',
        points: '100',
        aux: true,
        seed: '0',
      }),
    ).toEqual({ classes: 7, outputStride: 16, inputSize: [33, 33], points: 100, aux: true, seed: 0 });
    expect(zooConfig({ out })).toEqual({});
    expect(() => findModel('nope', [tiny, broken])).toThrow(
      "unknown model 'nope'; the zoo has: tiny_seg, broken",
    );
  });

  it('in the CLI: an unknown name lists the zoo (exit 2), a bad stride is refused', async () => {
    const r = await cli('zoo', 'build', 'nope', '--random-weights', '--out', join(dir, 'n.atrous'));
    expect(r.code).toBe(2);
    const names = ZOO.map((m) => m.name).join(', ');
    expect(r.err[0]).toBe(
      ZOO.length > 0
        ? `atrous: unknown model 'nope'; the zoo has: ${names}`
        : "atrous: unknown model 'nope'; the zoo has no models",
    );
    const s = await cli('zoo', 'build', 'nope', '--output-stride', '4', '--out', 'x');
    expect(s.code).toBe(2);
    expect(s.err.join('\n')).toMatch(/--output-stride <n>' argument '4' is invalid/);
  });
});
