import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type Graph,
  GraphBuilder,
  importModel,
  inferShapes,
  OPS,
  parseNpy,
  Rng,
  Tensor,
} from '../src/index.js';

/** 'full' is what `npm run bench` times; 'tiny' keeps the smoke test fast. */
export type SizeName = 'full' | 'tiny';

/** A workload ready to run: a graph with seeded weights, one seeded input and its arithmetic. */
export interface BuiltWorkload {
  name: string;
  graph: Graph;
  feeds: Record<string, Tensor>;
  /** The single graph output both sides are compared on. */
  output: string;
  /** Multiply-adds count 2 FLOPs; resize 8 per output element; pool/add/relu 1 per element. */
  gflop: number;
  /** Human-readable sizes, e.g. "64→64 @64×64 k3 d6". */
  shape: string;
  /** The original ONNX file (whole models): onnxruntime loads it as a user would. */
  onnx?: Uint8Array;
}

export interface Workload {
  name: string;
  description: string;
  build(size: SizeName): BuiltWorkload;
}

/** Graph + flop accumulator shared by the builders below. */
class Net {
  readonly b: GraphBuilder;
  flops = 0;
  private convs = 0;
  private readonly feeds: Record<string, Tensor> = {};
  private readonly rng: Rng;

  constructor(
    readonly name: string,
    seed: number,
  ) {
    this.b = new GraphBuilder(name, { opset: 17, seed });
    this.rng = new Rng(seed + 1000);
  }

  input(name: string, dims: number[]): string {
    const size = dims.reduce((a, d) => a * d, 1);
    this.feeds[name] = new Tensor('float32', dims, this.rng.floats(size, -1, 1));
    return this.b.input(name, dims);
  }

  /** Conv with bias; weights scaled by 1/sqrt(fan-in) so activations stay O(1). */
  conv(x: string, c: ConvSpec): string {
    const [kh, kw] = c.kernel;
    const group = c.group ?? 1;
    const fanIn = (c.cin / group) * kh * kw;
    const id = `conv${this.convs++}`;
    const w = this.b.param(`${id}_w`, [c.cout, c.cin / group, kh, kw], undefined, 1 / Math.sqrt(fanIn));
    const bias = this.b.param(`${id}_b`, [c.cout], undefined, 0.1);
    const [hOut, wOut] = c.outHW;
    this.flops += 2 * c.cout * hOut * wOut * fanIn;
    const attrs = {
      kernel_shape: [kh, kw],
      pads: c.pads ?? [0, 0, 0, 0],
      dilations: c.dilations ?? [1, 1],
      group,
    };
    return this.b.op('Conv', [x, w, bias], attrs, { name: id });
  }

  relu(x: string, elements: number): string {
    this.flops += elements;
    return this.b.op('Relu', [x]);
  }

  finish(out: string, shape: string, extra: Partial<BuiltWorkload> = {}): BuiltWorkload {
    this.b.output(out);
    return {
      name: this.name,
      graph: this.b.build(),
      feeds: this.feeds,
      output: out,
      gflop: this.flops / 1e9,
      shape,
      ...extra,
    };
  }
}

interface ConvSpec {
  cin: number;
  cout: number;
  kernel: [number, number];
  outHW: [number, number];
  pads?: [number, number, number, number];
  dilations?: [number, number];
  group?: number;
}

function pick<P>(size: SizeName, full: P, tiny: P): P {
  return size === 'full' ? full : tiny;
}

const dilated3x3: Workload = {
  name: 'dilated3x3',
  description: 'dilated 3×3 conv (one ASPP branch), pad = dilation',
  build(size) {
    const p = pick(size, { c: 64, hw: 64, d: 6 }, { c: 4, hw: 9, d: 2 });
    const n = new Net('dilated3x3', 11);
    const x = n.input('x', [1, p.c, p.hw, p.hw]);
    const y = n.conv(x, {
      cin: p.c,
      cout: p.c,
      kernel: [3, 3],
      outHW: [p.hw, p.hw],
      pads: [p.d, p.d, p.d, p.d],
      dilations: [p.d, p.d],
    });
    return n.finish(y, `${p.c}→${p.c} @${p.hw}×${p.hw} k3 d${p.d}`);
  },
};

const depthwise3x3: Workload = {
  name: 'depthwise3x3',
  description: 'depthwise 3×3 conv, dilation 2',
  build(size) {
    const p = pick(size, { c: 128, hw: 64 }, { c: 6, hw: 8 });
    const n = new Net('depthwise3x3', 12);
    const x = n.input('x', [1, p.c, p.hw, p.hw]);
    const y = n.conv(x, {
      cin: p.c,
      cout: p.c,
      kernel: [3, 3],
      outHW: [p.hw, p.hw],
      pads: [2, 2, 2, 2],
      dilations: [2, 2],
      group: p.c,
    });
    return n.finish(y, `${p.c}ch dw @${p.hw}×${p.hw} k3 d2`);
  },
};

const pointwise1x1: Workload = {
  name: 'pointwise1x1',
  description: 'pointwise 1×1 conv',
  build(size) {
    const p = pick(size, { cin: 128, cout: 128, hw: 64 }, { cin: 5, cout: 7, hw: 6 });
    const n = new Net('pointwise1x1', 13);
    const x = n.input('x', [1, p.cin, p.hw, p.hw]);
    const y = n.conv(x, { cin: p.cin, cout: p.cout, kernel: [1, 1], outHW: [p.hw, p.hw] });
    return n.finish(y, `${p.cin}→${p.cout} @${p.hw}×${p.hw} k1`);
  },
};

const convTranspose4x4: Workload = {
  name: 'convtranspose4x4',
  description: 'ConvTranspose 4×4 stride 2 pad 1 (×2 learned upsampling)',
  build(size) {
    const p = pick(size, { cin: 64, cout: 64, hw: 32 }, { cin: 3, cout: 4, hw: 5 });
    const n = new Net('convtranspose4x4', 14);
    const x = n.input('x', [1, p.cin, p.hw, p.hw]);
    const w = n.b.param('w', [p.cin, p.cout, 4, 4], undefined, 1 / Math.sqrt(p.cin * 4));
    const bias = n.b.param('b', [p.cout], undefined, 0.1);
    // Every input pixel scatters a 4×4 patch per (cin, cout) pair.
    n.flops += 2 * p.hw * p.hw * p.cin * p.cout * 16;
    const y = n.b.op('ConvTranspose', [x, w, bias], {
      kernel_shape: [4, 4],
      strides: [2, 2],
      pads: [1, 1, 1, 1],
    });
    return n.finish(y, `${p.cin}→${p.cout} @${p.hw}×${p.hw}→${2 * p.hw}×${2 * p.hw} k4 s2`);
  },
};

const gcn: Workload = {
  name: 'gcn15',
  description: 'GCN block: (k×1 → 1×k) + (1×k → k×1), summed',
  build(size) {
    const p = pick(size, { cin: 32, cout: 21, hw: 32, k: 15 }, { cin: 4, cout: 3, hw: 8, k: 5 });
    const n = new Net('gcn15', 15);
    const x = n.input('x', [1, p.cin, p.hw, p.hw]);
    const h = (p.k - 1) / 2;
    const hw: [number, number] = [p.hw, p.hw];
    const col = (v: string, cin: number) =>
      n.conv(v, { cin, cout: p.cout, kernel: [p.k, 1], outHW: hw, pads: [h, 0, h, 0] });
    const row = (v: string, cin: number) =>
      n.conv(v, { cin, cout: p.cout, kernel: [1, p.k], outHW: hw, pads: [0, h, 0, h] });
    const left = row(col(x, p.cin), p.cout);
    const right = col(row(x, p.cin), p.cout);
    n.flops += p.cout * p.hw * p.hw;
    const y = n.b.op('Add', [left, right]);
    return n.finish(y, `${p.cin}→${p.cout} @${p.hw}×${p.hw} k${p.k}`);
  },
};

const ksac: Workload = {
  name: 'ksac',
  description: 'KSAC: one shared 3×3 weight at three rates (+ own bias, ReLU), concat',
  build(size) {
    const p = pick(size, { c: 64, hw: 64, rates: [6, 12, 18] }, { c: 8, hw: 9, rates: [1, 2, 3] });
    const n = new Net('ksac', 17);
    const x = n.input('x', [1, p.c, p.hw, p.hw]);
    const w = n.b.param('shared_w', [p.c, p.c, 3, 3], undefined, 1 / Math.sqrt(p.c * 9));
    const plane = p.c * p.hw * p.hw;
    const branches = p.rates.map((r, i) => {
      const bias = n.b.param(`b${i}`, [p.c], undefined, 0.1);
      n.flops += 2 * plane * p.c * 9;
      const attrs = { kernel_shape: [3, 3], pads: [r, r, r, r], dilations: [r, r] };
      return n.relu(n.b.op('Conv', [x, w, bias], attrs, { name: `conv_r${r}` }), plane);
    });
    const y = n.b.op('Concat', branches, { axis: 1 });
    return n.finish(y, `${p.c}→${p.c}×${p.rates.length} @${p.hw}×${p.hw} r${p.rates.join('/')} shared`);
  },
};

const aspp: Workload = {
  name: 'aspp',
  description: 'ASPP head: 1×1 + three dilated 3×3 + image pooling, concat, 1×1 projection (ReLU after each)',
  build(size) {
    const p = pick(
      size,
      { cin: 64, c: 32, hw: 33, rates: [6, 12, 18] },
      { cin: 4, c: 3, hw: 9, rates: [1, 2, 3] },
    );
    const n = new Net('aspp', 16);
    const x = n.input('x', [1, p.cin, p.hw, p.hw]);
    const hw: [number, number] = [p.hw, p.hw];
    const plane = p.c * p.hw * p.hw;
    const branches = [n.relu(n.conv(x, { cin: p.cin, cout: p.c, kernel: [1, 1], outHW: hw }), plane)];
    for (const r of p.rates) {
      const y = n.conv(x, {
        cin: p.cin,
        cout: p.c,
        kernel: [3, 3],
        outHW: hw,
        pads: [r, r, r, r],
        dilations: [r, r],
      });
      branches.push(n.relu(y, plane));
    }
    n.flops += p.cin * p.hw * p.hw;
    const pooled = n.b.op('GlobalAveragePool', [x]);
    const proj = n.relu(n.conv(pooled, { cin: p.cin, cout: p.c, kernel: [1, 1], outHW: [1, 1] }), p.c);
    const sizes = n.b.ints('pool_sizes', [1, p.c, p.hw, p.hw]);
    n.flops += 8 * plane;
    branches.push(n.b.op('Resize', [proj, '', '', sizes], { mode: 'linear' }));
    const cat = n.b.op('Concat', branches, { axis: 1 });
    const cc = branches.length * p.c;
    const y = n.relu(n.conv(cat, { cin: cc, cout: p.c, kernel: [1, 1], outHW: hw }), plane);
    return n.finish(y, `${p.cin}→${cc}→${p.c} @${p.hw}×${p.hw} r${p.rates.join('/')}`);
  },
};

const bilinear8x: Workload = {
  name: 'bilinear8x',
  description: 'bilinear ×8 upsampling (Resize linear, half_pixel = align_corners false)',
  build(size) {
    const p = pick(size, { c: 21, hw: 32 }, { c: 2, hw: 3 });
    const n = new Net('bilinear8x', 17);
    const x = n.input('x', [1, p.c, p.hw, p.hw]);
    const scales = n.b.constant('scales', new Tensor('float32', [4], Float32Array.from([1, 1, 8, 8])));
    const out = 8 * p.hw;
    n.flops += 8 * p.c * out * out;
    const y = n.b.op('Resize', [x, '', scales], {
      mode: 'linear',
      coordinate_transformation_mode: 'half_pixel',
    });
    return n.finish(y, `${p.c}ch ${p.hw}×${p.hw}→${out}×${out}`);
  },
};

/** The package root (bench runs from bench/ in the sources and from build/bench/ when built). */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('bench: package.json not found above the bench');
    dir = up;
  }
  return dir;
}

interface FixtureEntry {
  name: string;
  file: string;
  inputs: { name: string; file: string }[];
}

/** FLOPs of a whole graph from the op definitions (what `atrous info` counts). */
function graphGflop(graph: Graph): number {
  const infos = inferShapes(graph);
  let flops = 0;
  for (const node of graph.nodes) {
    const count = OPS[node.op].flops;
    if (!count) continue;
    const ins = node.inputs.map((n) => (n ? infos.get(n) : undefined));
    const outs = node.outputs.map((n) => infos.get(n) ?? { dtype: 'float32' as const, shape: [] });
    flops += count(node, ins, outs);
  }
  return flops / 1e9;
}

/**
 * A torchvision model exported by scripts/make-fixtures.py: the full-size export in
 * test/fixtures/generated/ (`--full-only`, not committed) or, for 'tiny', the small committed one.
 */
function torchvisionModel(name: string, description: string, full: string, tiny: string): Workload {
  return {
    name,
    description,
    build(size) {
      const sub = size === 'full' ? 'generated' : 'pytorch';
      const dir = join(packageRoot(), 'test', 'fixtures', sub);
      const stem = size === 'full' ? full : tiny;
      const manifestPath = join(dir, 'manifest.json');
      const entry = existsSync(manifestPath)
        ? (JSON.parse(readFileSync(manifestPath, 'utf8')) as { fixtures: FixtureEntry[] }).fixtures.find(
            (f) => f.name === stem,
          )
        : undefined;
      if (!entry || !existsSync(join(dir, entry.file))) {
        throw new Error(
          `${stem} is not in test/fixtures/${sub}; run OMP_NUM_THREADS=2 /usr/bin/python3 scripts/make-fixtures.py --full-only`,
        );
      }
      const onnx = new Uint8Array(readFileSync(join(dir, entry.file)));
      const graph = importModel(onnx);
      const feeds: Record<string, Tensor> = {};
      for (const i of entry.inputs) feeds[i.name] = parseNpy(new Uint8Array(readFileSync(join(dir, i.file))));
      const input = graph.inputs.find((i) => !graph.initializers.has(i.name));
      const output = graph.outputs[0]?.name as string;
      const inInfo = inferShapes(graph);
      const dims = (n: string | undefined) => (inInfo.get(n ?? '')?.shape ?? []).slice(1).join('×');
      return {
        name,
        graph,
        feeds,
        output,
        gflop: graphGflop(graph),
        shape: `${dims(input?.name)} → ${dims(output)}`,
        onnx,
      };
    },
  };
}

/** Whole models (the two torchvision heads), after the kernel workloads. */
export const MODEL_WORKLOADS: readonly Workload[] = [
  torchvisionModel(
    'lraspp_mnv3',
    'torchvision LR-ASPP MobileNetV3-Large (whole model)',
    'tv_lraspp_mnv3_full',
    'tv_lraspp_mnv3_small',
  ),
  torchvisionModel(
    'deeplabv3_mnv3',
    'torchvision DeepLabv3 MobileNetV3-Large (whole model)',
    'tv_deeplabv3_mnv3_full',
    'tv_deeplabv3_mnv3_small',
  ),
];

export const WORKLOADS: readonly Workload[] = [
  dilated3x3,
  depthwise3x3,
  pointwise1x1,
  convTranspose4x4,
  gcn,
  ksac,
  aspp,
  bilinear8x,
];

/** The workloads named in `only` (kernels and models when empty); an unknown name throws, listing the known ones. */
export function selectWorkloads(only: readonly string[] = []): Workload[] {
  const all = [...WORKLOADS, ...MODEL_WORKLOADS];
  if (only.length === 0) return all;
  return only.map((name) => {
    const w = all.find((x) => x.name === name);
    if (!w) {
      throw new Error(`unknown workload '${name}'; choose from ${all.map((x) => x.name).join(', ')}`);
    }
    return w;
  });
}
