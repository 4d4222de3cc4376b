// What fusing a depthwise conv into the 1x1 conv that reads it could save at most on this adapter:
// for each depthwise conv of torchvision LR-ASPP MobileNetV3 whose output only feeds a 1x1 conv,
// the pair's GPU time (profile, min of 8 runs) and the time of copying the depthwise output once
// (copy.wgsl: one load and one store per element, the traffic a fused kernel would not have).
// Needs the full fixture (python3 scripts/make-fixtures.py --full-only).
//   npx vite-node bench/webgpu-dwpw-bound.ts
import { readFileSync } from 'node:fs';
import { GraphBuilder } from '../src/graph/builder.js';
import { importModel } from '../src/graph/import/index.js';
import { optimizeGraph } from '../src/graph/passes/index.js';
import { consumers } from '../src/graph/passes/util.js';
import { inferShapes } from '../src/graph/shape-inference.js';
import { Session, Tensor } from '../src/index.js';
import { parseNpy } from '../src/io/npy.js';

const bytes = readFileSync('test/fixtures/generated/tv_lraspp_mnv3_full.onnx');
const g = optimizeGraph(importModel(bytes));
const infos = inferShapes(g);
const readers = consumers(g);
const s = await Session.create(bytes, { backend: 'webgpu', profile: true });
const x = parseNpy(readFileSync('test/fixtures/generated/tv_lraspp_mnv3_full.input.npy'));
const best = new Map<string, number>();
for (let r = 0; r < 8; r++) {
  await s.run({ [s.inputs[0]!.name]: x });
  for (const n of s.lastProfile()!.nodes) best.set(n.node, Math.min(best.get(n.node) ?? 1e9, n.ms));
}
let pairs = 0,
  pairMs = 0,
  copyMs = 0;
for (const n of g.nodes) {
  if (n.op !== 'Conv' || !((n.attrs.group as number) > 1)) continue;
  const out = n.outputs[0]!;
  const rd = readers.get(out) ?? [];
  const pw =
    rd.length === 1 && rd[0]!.op === 'Conv' && JSON.stringify(rd[0]!.attrs.kernel_shape) === '[1,1]'
      ? rd[0]!
      : undefined;
  if (!pw) continue;
  const dims = infos.get(out)!.shape as number[];
  const b = new GraphBuilder('copy', { seed: 1 });
  const t = b.input('t', dims);
  b.output(b.op('Transpose', [t], { perm: dims.map((_, i) => i) }));
  const cs = await Session.create(b.build(), { backend: 'webgpu', profile: true, optimize: false });
  const feed = { t: new Tensor('float32', dims, new Float32Array(dims.reduce((a, d) => a * d, 1))) };
  let c = 1e9;
  for (let r = 0; r < 8; r++) {
    await cs.run(feed);
    c = Math.min(
      c,
      cs.lastProfile()!.nodes.reduce((a, q) => a + q.ms, 0),
    );
  }
  cs.release();
  const dw = best.get(n.name)!,
    p = best.get(pw.name)!;
  pairs++;
  pairMs += dw + p;
  copyMs += c;
  console.log(
    `${n.name.replace('/model/backbone/', '').padEnd(40)} ${JSON.stringify(dims).padEnd(18)} dw ${dw.toFixed(2)} pw ${p.toFixed(2)} copy ${c.toFixed(2)} ms`,
  );
}
console.log(
  `${pairs} pairs: dw+pw ${pairMs.toFixed(1)} ms, copying the intermediates ${copyMs.toFixed(1)} ms (${((100 * copyMs) / pairMs).toFixed(0)}%)`,
);
process.exit(0);
