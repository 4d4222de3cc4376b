import { busyThreads } from './timing.js';

/** One line of the results table: one workload on one backend. */
export interface Row {
  workload: string;
  shape: string;
  gflop: number;
  backend: string;
  status: 'ok' | 'unavailable' | 'failed';
  /** Why a row has no numbers (unavailable / failed). */
  reason?: string;
  medianMs?: number;
  gflops?: number;
  /**
   * median / median of onnxruntime-web wasm at the row's thread count (ort-wasm-1t for `wasm`,
   * ref and webgpu; ort-wasm-2t for `wasm-2t`): < 1 means faster. Absent on ORT rows.
   */
  ratio?: number;
  maxErr?: number;
  relErr?: number;
  /** Which backend's output maxErr is measured against. */
  errAgainst?: string;
  /** relErr above REL_ERR_FLAG. */
  flagged: boolean;
  samples?: number;
  rmePct?: number;
  cpuPerWall?: number;
  threadLoads?: number[];
}

export const REL_ERR_FLAG = 1e-3;

const HEADER = [
  'workload',
  'shape',
  'GFLOP',
  'backend',
  'median ms',
  'GFLOP/s',
  'ratio to ort (same threads)',
  'max err',
];

export function fmt(x: number | undefined, digits = 3): string {
  if (x === undefined || Number.isNaN(x)) return '—';
  if (!Number.isFinite(x)) return '∞';
  if (x === 0) return '0';
  if (Math.abs(x) >= 1e6 || Math.abs(x) < 1e-3) return x.toExponential(2);
  if (Math.abs(x) >= 100) return String(Math.round(x));
  // 3 significant digits without trailing zeros: 1.50 → 1.5, 2.00 → 2.
  return x
    .toPrecision(digits)
    .replace(/(\.\d*?)0+$/, '$1')
    .replace(/\.$/, '');
}

function cells(r: Row): string[] {
  const base = [r.workload, r.shape, fmt(r.gflop), r.backend];
  if (r.status !== 'ok') {
    const why = (r.reason ?? '').replace(/\s+/g, ' ').replace(/\|/g, '/');
    const short = why.length > 90 ? `${why.slice(0, 87)}...` : why;
    return [...base, `${r.status}: ${short}`, '—', '—', '—'];
  }
  const err = r.maxErr === undefined ? '—' : `${fmt(r.maxErr, 2)}${r.flagged ? ' (!)' : ''}`;
  return [...base, fmt(r.medianMs), fmt(r.gflops), fmt(r.ratio), err];
}

/** The results as a markdown table, columns padded so it also reads well on a terminal. */
export function markdownTable(rows: readonly Row[]): string {
  const table = [HEADER, ...rows.map(cells)];
  const widths = HEADER.map((_, c) => Math.max(...table.map((r) => [...(r[c] ?? '')].length)));
  const line = (r: string[]) =>
    `| ${r.map((v, c) => v + ' '.repeat((widths[c] ?? 0) - [...v].length)).join(' | ')} |`;
  const rule = `|${widths.map((w, c) => (c >= 2 && c !== 3 ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`;
  return [line(HEADER), rule, ...table.slice(1).map(line)].join('\n');
}

/** Lines under the table: what a flag means and how many threads the threaded runs kept busy. */
export function footnotes(rows: readonly Row[]): string[] {
  const notes: string[] = [];
  if (rows.some((r) => r.flagged)) {
    notes.push(`(!) relative error max|a-e|/max|e| above ${REL_ERR_FLAG}`);
  }
  notes.push(
    'max err: atrous backends vs ort-wasm-1t; onnxruntime rows vs atrous ref. ratio: median time / ort-wasm median time at the same thread count (wasm-2t vs ort-wasm-2t; the others vs ort-wasm-1t).',
  );
  const byBackend = new Map<string, Row[]>();
  for (const r of rows) {
    if (r.status === 'ok') byBackend.set(r.backend, [...(byBackend.get(r.backend) ?? []), r]);
  }
  for (const [backend, rs] of byBackend) {
    const cpu = rs.map((r) => r.cpuPerWall ?? 0);
    const busy = new Map<number, number>();
    for (const r of rs) {
      const n = busyThreads(r.threadLoads ?? []);
      busy.set(n, (busy.get(n) ?? 0) + 1);
    }
    const counts = [...busy]
      .sort(([a], [b]) => a - b)
      .map(([n, k]) => `${n} in ${k}/${rs.length} rows`)
      .join(', ');
    notes.push(
      `${backend}: process CPU/wall ${fmt(Math.min(...cpu), 2)}–${fmt(Math.max(...cpu), 2)}; ` +
        `threads doing ≥ 20 % of the work: ${counts}`,
    );
  }
  return notes;
}

const COLORS = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948', '#b07aa1'];

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Horizontal grouped bar chart of median ms (log scale), one group per workload. */
export function svgChart(rows: readonly Row[], title: string): string {
  const ok = rows.filter((r) => r.status === 'ok' && r.medianMs !== undefined && r.medianMs > 0);
  const workloads = [...new Set(rows.map((r) => r.workload))];
  const backends = [...new Set(rows.map((r) => r.backend))];
  const ms = ok.map((r) => r.medianMs as number);
  const lo = 10 ** Math.floor(Math.log10(Math.min(...ms, 1)));
  const hi = 10 ** Math.ceil(Math.log10(Math.max(...ms, 10)));
  const left = 150;
  const plotW = 620;
  const barH = 14;
  const top = 60;
  const groupH = backends.length * barH + 14;
  const height = top + workloads.length * groupH + 30;
  const x = (v: number) => left + (plotW * Math.log10(v / lo)) / Math.log10(hi / lo);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${left + plotW + 90}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${left}" y="18" font-size="14" font-weight="bold">${esc(title)}</text>`,
  ];
  backends.forEach((b, i) => {
    const lx = left + i * 120;
    out.push(`<rect x="${lx}" y="28" width="10" height="10" fill="${COLORS[i % COLORS.length]}"/>`);
    out.push(`<text x="${lx + 14}" y="37">${esc(b)}</text>`);
  });
  for (let v = lo; v <= hi * 1.0001; v *= 10) {
    const gx = x(v).toFixed(1);
    out.push(`<line x1="${gx}" y1="${top - 6}" x2="${gx}" y2="${height - 24}" stroke="#ddd"/>`);
    out.push(`<text x="${gx}" y="${height - 10}" text-anchor="middle">${fmt(v)} ms</text>`);
  }
  workloads.forEach((w, gi) => {
    const gy = top + gi * groupH;
    out.push(`<text x="${left - 8}" y="${gy + groupH / 2}" text-anchor="end">${esc(w)}</text>`);
    backends.forEach((b, bi) => {
      const r = rows.find((row) => row.workload === w && row.backend === b);
      const y = gy + bi * barH;
      if (r?.status !== 'ok' || !r.medianMs) {
        const what = r ? r.status : 'not run';
        out.push(`<text x="${left + 4}" y="${y + barH - 3}" fill="#999">${esc(`${b}: ${what}`)}</text>`);
        return;
      }
      const end = x(r.medianMs);
      const color = COLORS[bi % COLORS.length];
      out.push(
        `<rect x="${left}" y="${y}" width="${Math.max(1, end - left).toFixed(1)}" height="${barH - 2}" fill="${color}"/>`,
      );
      out.push(`<text x="${(end + 4).toFixed(1)}" y="${y + barH - 3}">${fmt(r.medianMs)}</text>`);
    });
  });
  out.push(`<line x1="${left}" y1="${top - 6}" x2="${left}" y2="${height - 24}" stroke="#333"/>`);
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
