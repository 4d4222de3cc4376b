import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CaseResult, SideResult } from './compare.js';

export interface Meta {
  date: string;
  /** Where both sides ran: "Chromium 1xx" (one page) or "Node v20 + Dawn" (one process). */
  host: string;
  adapter: string;
  onnxruntimeWeb: string;
  reps: number;
  totalSeconds: number;
}

function fmt(x: number | undefined): string {
  if (x === undefined || !Number.isFinite(x)) return '—';
  if (x === 0) return '0';
  if (Math.abs(x) < 1e-3) return x.toExponential(2);
  if (Math.abs(x) >= 100) return String(Math.round(x));
  return x
    .toPrecision(3)
    .replace(/(\.\d*?)0+$/, '$1')
    .replace(/\.$/, '');
}

function side(r: CaseResult, b: SideResult['backend']): SideResult | undefined {
  return r.sides.find((s) => s.backend === b);
}

/** The results table: warm median and cold (create + first run) per side, and atrous / ORT ratios. */
export function toMarkdown(meta: Meta, results: CaseResult[]): string {
  const lines = [
    `# atrous-webgpu vs onnxruntime-web WebGPU, same adapter (${meta.date})`,
    '',
    `${meta.host}, adapter: ${meta.adapter}; onnxruntime-web ${meta.onnxruntimeWeb}.`,
    `Warm: median of ${meta.reps} runs after the first; cold: session creation + first run (shader compiles included; each engine's WebGPU device was created in an untimed warm-up and kept, as onnxruntime-web keeps its own).`,
    "On a software adapter atrous starts its convs on quicker-to-compile kernels (tiered start-up) and compiles the faster ones after the first run: 'atrous upgrade ms' is that wait, untimed otherwise; the warm runs come after it (and use them).",
    'Both read the output back to the CPU. Ratios are atrous / ORT (< 1: atrous faster). ' +
      'err: max |output − expected| / max |expected|, expected = atrous wasm backend in Node. ' +
      `Whole bench: ${meta.totalSeconds} s.`,
    '',
    '| case | shape | GFLOP | atrous warm ms | ort warm ms | warm ratio | atrous cold ms | ort cold ms | cold ratio | atrous upgrade ms | atrous GFLOP/s | atrous err | ort err |',
    '|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
  ];
  for (const r of results) {
    const a = side(r, 'atrous-webgpu');
    const o = side(r, 'ort-webgpu');
    const bad = (s: SideResult | undefined) =>
      s?.status === 'failed' ? `failed: ${(s.reason ?? '').slice(0, 60)}` : undefined;
    const ratio = (x?: number, y?: number) => (x !== undefined && y ? fmt(x / y) : '—');
    lines.push(
      `| ${r.name} | ${r.shape} | ${fmt(r.gflop)} | ${bad(a) ?? fmt(a?.medianMs)} | ${bad(o) ?? fmt(o?.medianMs)} | ` +
        `${ratio(a?.medianMs, o?.medianMs)} | ${fmt(a?.coldMs)} | ${fmt(o?.coldMs)} | ${ratio(a?.coldMs, o?.coldMs)} | ${fmt(a?.upgradeMs)} | ` +
        `${r.gflop && a?.medianMs ? fmt(r.gflop / (a.medianMs / 1000)) : '—'} | ` +
        `${fmt(a?.relErr)} | ${fmt(o?.relErr)} |`,
    );
  }
  // Node: CPU time of the cold runs (a software adapter compiles and runs on the host's cores, so
  // under a shared machine's load this ratio is steadier than the wall-clock one).
  if (results.some((r) => side(r, 'atrous-webgpu')?.coldCpuMs !== undefined)) {
    lines.push('', '| case | atrous cold CPU ms | ort cold CPU ms | cold CPU ratio |', '|---|--:|--:|--:|');
    for (const r of results) {
      const a = side(r, 'atrous-webgpu')?.coldCpuMs;
      const o = side(r, 'ort-webgpu')?.coldCpuMs;
      lines.push(`| ${r.name} | ${fmt(a)} | ${fmt(o)} | ${a !== undefined && o ? fmt(a / o) : '—'} |`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Grouped bars (log scale) of warm and cold ms per case, atrous vs ORT. */
export function toSvg(results: CaseResult[]): string {
  const series: [SideResult['backend'], 'medianMs' | 'coldMs', string][] = [
    ['atrous-webgpu', 'medianMs', '#1f77b4'],
    ['ort-webgpu', 'medianMs', '#ff7f0e'],
    ['atrous-webgpu', 'coldMs', '#aec7e8'],
    ['ort-webgpu', 'coldMs', '#ffbb78'],
  ];
  const values = results.flatMap((r) =>
    series.map(([b, k]) => side(r, b)?.[k]).filter((v): v is number => !!v),
  );
  const lo = Math.log10(Math.max(0.1, Math.min(...values, 1)));
  const hi = Math.log10(Math.max(...values, 10)) + 0.1;
  const W = 900;
  const rowH = 60;
  const left = 170;
  const H = results.length * rowH + 60;
  const x = (v: number) => left + ((Math.log10(v) - lo) / (hi - lo)) * (W - left - 20);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">`,
    `<text x="10" y="16" font-size="13">warm median / cold first run, ms (log scale)</text>`,
  ];
  series.forEach(([b, k, color], i) => {
    parts.push(`<rect x="${left + i * 170}" y="24" width="10" height="10" fill="${color}"/>`);
    parts.push(`<text x="${left + 14 + i * 170}" y="33">${b} ${k === 'coldMs' ? 'cold' : 'warm'}</text>`);
  });
  results.forEach((r, i) => {
    const y0 = 50 + i * rowH;
    parts.push(`<text x="10" y="${y0 + 28}">${r.name.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</text>`);
    series.forEach(([b, k, color], j) => {
      const v = side(r, b)?.[k];
      if (!v) return;
      parts.push(
        `<rect x="${left}" y="${y0 + j * 13}" width="${Math.max(1, x(v) - left)}" height="11" fill="${color}"/>`,
      );
      parts.push(`<text x="${x(v) + 4}" y="${y0 + j * 13 + 9}">${fmt(v)}</text>`);
    });
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

/**
 * Writes `<outDir>/<date>-<kind>[-partial].{json,md,svg}` and prints the table (Node hosts of the
 * bench: run.ts for Chromium, node.ts for Dawn).
 */
export function writeReport(
  outDir: string,
  kind: string,
  partial: boolean,
  meta: Omit<Meta, 'date'>,
  results: CaseResult[],
): void {
  const date = new Date().toISOString().slice(0, 10);
  const full: Meta = { date, ...meta };
  mkdirSync(outDir, { recursive: true });
  const base = join(outDir, `${date}-${kind}${partial ? '-partial' : ''}`);
  writeFileSync(`${base}.json`, `${JSON.stringify({ ...full, results }, null, 2)}\n`);
  const md = toMarkdown(full, results);
  writeFileSync(`${base}.md`, md);
  writeFileSync(`${base}.svg`, toSvg(results));
  process.stdout.write(md);
  process.stderr.write(`wrote ${base}.{json,md,svg}\n`);
}
