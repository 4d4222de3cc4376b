/** Per-node timings of one run (Session option `profile: true`). */
export interface NodeTime {
  node: string;
  op: string;
  ms: number;
  /** 'host': host wall time of a webgpu host step (e.g. DenseCRF), not GPU time; else the profile's method. */
  clock?: 'host';
}

export interface RunProfile {
  /**
   * How the times were taken: GPU timestamp queries (one compute pass per node), wall time of one
   * queue submit per node (adapters without 'timestamp-query'), or CPU wall time per node.
   */
  method: 'timestamp-query' | 'submit' | 'cpu';
  /** One line saying what the numbers mean when they are not exact GPU time. */
  note?: string;
  nodes: NodeTime[];
}

/** Options every backend's prepare accepts. */
export interface PrepareOptions {
  /** Time every node of every run: `true` (best available method) or 'submit' (force per-submit timing on webgpu). */
  profile?: boolean | 'submit';
  /** Threads for CPU backends that can split kernels across workers (wasm); default 1. */
  threads?: number;
}

/** Wall clock in ms (performance.now where there is one: Node, Deno, browsers). */
export function nowMs(): number {
  return globalThis.performance ? globalThis.performance.now() : Date.now();
}

/** The profile as a table sorted by time, slowest first: node, op, ms, % of the total. */
export function formatProfile(profile: RunProfile): string[] {
  const rows = [...profile.nodes].sort((a, b) => b.ms - a.ms);
  const total = rows.reduce((s, r) => s + r.ms, 0);
  const cells = rows.map((r) => [
    r.node,
    r.clock === 'host' ? `${r.op} (host wall)` : r.op,
    r.ms.toFixed(3),
    total > 0 ? ((100 * r.ms) / total).toFixed(1) : '0.0',
  ]);
  const head = ['node', 'op', 'ms', '%'];
  const all = [head, ...cells, ['total', '', total.toFixed(3), '100.0']];
  const widths = head.map((_, c) => Math.max(...all.map((row) => (row[c] as string).length)));
  const line = (row: string[]) =>
    row.map((v, c) => (c >= 2 ? v.padStart(widths[c] as number) : v.padEnd(widths[c] as number))).join('  ');
  const method =
    profile.method === 'timestamp-query'
      ? 'GPU time from timestamp queries'
      : profile.method === 'submit'
        ? 'wall time of one submit per node'
        : 'CPU wall time per node';
  const out = [`profile (${method}):`];
  if (profile.note) out.push(`note: ${profile.note}`);
  out.push(line(head), ...cells.map(line), line(all[all.length - 1] as string[]));
  return out;
}
