import type { Command } from 'commander';
import { OPS } from '../engine/ops/index.js';
import type { ValueInfo } from '../engine/ops/types.js';
import { isFloatDType } from '../engine/tensor.js';
import type { Dim, Graph } from '../graph/ir.js';
import { optimizeGraph } from '../graph/passes/index.js';
import { inferShapes } from '../graph/shape-inference.js';
import { validateGraph } from '../graph/validate.js';
import { assignSpecs, type CliIO, formatNumber, formatShape, loadGraph, parseDims } from './common.js';

export interface InfoOptions {
  json?: boolean;
  optimize?: boolean;
  shape?: string[];
}

export interface OpStats {
  count: number;
  /** Total FLOPs of the op's nodes; null when some node's shapes are symbolic. */
  flops: number | null;
  /** Nodes whose FLOPs could not be counted (symbolic dims). */
  unknown: number;
}

export interface ModelInfo {
  model: string;
  name: string;
  opset: number;
  inputs: { name: string; dtype: string; shape: Dim[] }[];
  outputs: { name: string; dtype: string; shape: Dim[] }[];
  nodes: number;
  parameters: number;
  parameterBytes: number;
  ops: Record<string, OpStats>;
  /** Sum over the nodes whose FLOPs are known. */
  totalFlops: number;
  /** False when some nodes had symbolic dims (their FLOPs are not in totalFlops). */
  flopsComplete: boolean;
  metadata: Record<string, string>;
}

export function registerInfo(program: Command, io: CliIO): void {
  program
    .command('info')
    .description('inputs, outputs, op histogram, parameters and FLOPs of a model')
    .argument('<model>', 'model file (.onnx)')
    .option('--json', 'print one JSON object')
    .option('--optimize', 'describe the graph after the optimization passes (folding, fusion)')
    .option('-s, --shape <[name=]NxCxHxW...>', 'concrete input shapes for symbolic dims (for FLOPs)')
    .action((model: string, opts: InfoOptions) => infoCommand(model, opts, io));
}

export async function infoCommand(modelPath: string, opts: InfoOptions, io: CliIO): Promise<void> {
  const imported = await loadGraph(modelPath);
  validateGraph(imported);
  const graph = opts.optimize ? optimizeGraph(imported) : imported;
  const runtimeInputs = graph.inputs.filter((i) => !graph.initializers.has(i.name)).map((i) => i.name);
  const shapeSpecs = assignSpecs('input', '--shape', opts.shape ?? [], runtimeInputs);
  const inputShapes: Record<string, number[]> = {};
  for (const [name, text] of shapeSpecs) inputShapes[name] = parseDims(text, '--shape');
  const info = describeModel(modelPath, graph, inferShapes(graph, { inputShapes }));
  if (opts.json) io.out(JSON.stringify(info));
  else for (const line of renderInfo(info)) io.out(line);
}

const isSymbolic = (shape: readonly Dim[] | undefined) => !shape || shape.some((d) => typeof d !== 'number');

export function describeModel(model: string, graph: Graph, infos: Map<string, ValueInfo>): ModelInfo {
  const typed = (t: { name: string; dtype: string; shape: Dim[] }) => {
    const v = infos.get(t.name);
    return { name: t.name, dtype: v?.dtype ?? t.dtype, shape: v ? [...v.shape] : [...t.shape] };
  };
  let parameters = 0;
  let parameterBytes = 0;
  for (const t of graph.initializers.values()) {
    if (!isFloatDType(t.dtype)) continue;
    parameters += t.size;
    parameterBytes += t.data.byteLength;
  }
  const ops: Record<string, OpStats> = {};
  let totalFlops = 0;
  for (const node of graph.nodes) {
    const stats = ops[node.op] ?? { count: 0, flops: 0, unknown: 0 };
    ops[node.op] = stats;
    stats.count++;
    const inputs = node.inputs.map((n) => (n ? infos.get(n) : undefined));
    const outputs = node.outputs.map((n) => infos.get(n) ?? { dtype: 'float32' as const, shape: ['?'] });
    const symbolic =
      node.inputs.some((n, i) => n !== '' && isSymbolic(inputs[i]?.shape)) ||
      outputs.some((o) => isSymbolic(o.shape));
    const count = OPS[node.op].flops;
    if (!count) continue; // Data movement only (Reshape, Concat, ...): no arithmetic.
    if (symbolic) {
      stats.unknown++;
      stats.flops = null;
      continue;
    }
    const f = count(node, inputs, outputs);
    totalFlops += f;
    if (stats.flops !== null) stats.flops += f;
  }
  const runtimeInputs = graph.inputs.filter((i) => !graph.initializers.has(i.name));
  return {
    model,
    name: graph.name,
    opset: graph.opset,
    inputs: runtimeInputs.map(typed),
    outputs: graph.outputs.map(typed),
    nodes: graph.nodes.length,
    parameters,
    parameterBytes,
    ops,
    totalFlops,
    flopsComplete: Object.values(ops).every((s) => s.unknown === 0),
    metadata: { ...graph.metadata },
  };
}

function formatBytes(n: number): string {
  if (n >= 1e6) return `${formatNumber(n / 1e6)} MB`;
  if (n >= 1e3) return `${formatNumber(n / 1e3)} kB`;
  return `${n} bytes`;
}

function formatFlops(f: number): string {
  if (f >= 1e9) return `${formatNumber(f / 1e9)} GFLOPs`;
  if (f >= 1e6) return `${formatNumber(f / 1e6)} MFLOPs`;
  if (f >= 1e3) return `${formatNumber(f / 1e3)} kFLOPs`;
  return `${f} FLOPs`;
}

export function renderInfo(info: ModelInfo): string[] {
  const lines = [`model: ${info.model} (graph '${info.name}', opset ${info.opset})`];
  const about = info.metadata.description ?? info.metadata.doc_string;
  if (about) lines.push(`description: ${about}`);
  lines.push('inputs:');
  for (const t of info.inputs) lines.push(`  ${t.name}: ${t.dtype} ${formatShape(t.shape)}`);
  lines.push('outputs:');
  for (const t of info.outputs) lines.push(`  ${t.name}: ${t.dtype} ${formatShape(t.shape)}`);
  const params = `${info.parameters.toLocaleString('en-US')} (${formatBytes(info.parameterBytes)})`;
  lines.push(`nodes: ${info.nodes}`, `parameters: ${params}`);
  lines.push('ops:');
  const entries = Object.entries(info.ops).sort((a, b) => (b[1].flops ?? -1) - (a[1].flops ?? -1));
  const width = Math.max(8, ...entries.map(([op]) => op.length));
  for (const [op, s] of entries) {
    const flops =
      s.flops === null
        ? `FLOPs unknown (symbolic dims in ${s.unknown} of ${s.count} nodes)`
        : OPS[op as keyof typeof OPS].flops
          ? formatFlops(s.flops)
          : '-';
    lines.push(`  ${op.padEnd(width)} ${String(s.count).padStart(5)}  ${flops}`);
  }
  const partial = info.flopsComplete ? '' : ' (known part only: some dims are symbolic; pass --shape)';
  lines.push(`total: ${formatFlops(info.totalFlops)}${partial}`);
  return lines;
}
