import { describe, expect, it } from 'vitest';
import { agreement, runAtrous } from '../../bench/harness.js';
import { configureOrt, runOrtWorkload } from '../../bench/ort-runner.js';
import { fmt, markdownTable, type Row, svgChart } from '../../bench/report.js';
import { busyThreads, median, type TimingOptions } from '../../bench/timing.js';
import { selectWorkloads, WORKLOADS } from '../../bench/workloads.js';

// Smoke test of the bench: graphs build, and the exact code path `npm run bench` uses (atrous
// harness + the ORT runner the child process calls) agrees on tiny sizes. No timing assertions.
const TINY_TIMING: TimingOptions = { warmup: 1, minSamples: 1, maxTime: 0.01 };

configureOrt(1);

describe('bench workloads', () => {
  it.each(WORKLOADS.map((w) => [w.name, w] as const))('%s builds at full and tiny size', (_, w) => {
    for (const size of ['full', 'tiny'] as const) {
      const built = w.build(size);
      expect(built.graph.outputs.map((o) => o.name)).toEqual([built.output]);
      expect(built.graph.outputs[0]?.shape).toHaveLength(4);
      expect(built.gflop).toBeGreaterThan(0);
      for (const input of built.graph.inputs) {
        expect([...(built.feeds[input.name]?.dims ?? [])]).toEqual(input.shape);
      }
    }
  });

  it('counts the dilated 3×3 FLOPs as 2 × multiply-adds', () => {
    const built = selectWorkloads(['dilated3x3'])[0]!.build('full');
    expect(built.gflop * 1e9).toBe(2 * 64 * 64 * 64 * 64 * 9);
    expect(built.graph.outputs[0]?.shape).toEqual([1, 64, 64, 64]);
  });

  it('rejects unknown workload names, listing the known ones', () => {
    expect(() => selectWorkloads(['nope'])).toThrow(/unknown workload 'nope'.*dilated3x3/);
  });

  it.each(WORKLOADS.map((w) => [w.name, w] as const))(
    '%s (tiny): atrous ref and onnxruntime agree',
    async (_, w) => {
      const built = w.build('tiny');
      const ours = await runAtrous(built, 'ref', TINY_TIMING);
      const theirs = await runOrtWorkload(built, TINY_TIMING);
      if (ours.status !== 'ok') throw new Error(`atrous ref: ${ours.status}: ${ours.reason}`);
      if (theirs.status !== 'ok') throw new Error(`onnxruntime: ${theirs.status}: ${theirs.reason}`);
      expect(ours.output.dims).toEqual(theirs.output.dims);
      expect(agreement(ours.output, theirs.output).rel).toBeLessThan(1e-4);
      expect(ours.timing.samples).toBeGreaterThan(0);
      expect(ours.timing.medianMs).toBeGreaterThan(0);
    },
  );

  it('reports an unavailable backend instead of failing', async () => {
    const built = WORKLOADS[0]!.build('tiny');
    const r = await runAtrous(built, 'webgpu', TINY_TIMING);
    // Once the WebGPU backend runs in Node this becomes 'ok'; it must never throw.
    expect(['unavailable', 'ok']).toContain(r.status);
    if (r.status === 'unavailable') expect(r.reason).not.toMatch(/^backend/);
  });
});

describe('bench report', () => {
  const row = (backend: string, medianMs: number): Row => ({
    workload: 'w',
    shape: 's',
    gflop: 1,
    backend,
    status: 'ok',
    medianMs,
    flagged: false,
  });

  it('renders the markdown table and the SVG chart', () => {
    const rows = [
      row('ref', 2000),
      row('ort-wasm-1t', 5),
      { ...row('wasm', 0), status: 'unavailable' as const, reason: 'x' },
    ];
    const table = markdownTable(rows).split('\n');
    expect(table[0]).toMatch(/^\| workload .*\| max err \|$/);
    expect(table).toHaveLength(5);
    expect(table[4]).toContain('unavailable: x');
    const svg = svgChart(rows, 't');
    expect(svg).toMatch(/^<svg[^>]*>/);
    expect(svg.match(/<rect /g)?.length).toBe(1 + 3 + 2); // background, legend, two bars
  });

  it('formats numbers with 3 significant digits', () => {
    expect([1100.4, 29.25, 1.5, 2, 0.00944, 5.96e-7, Number.NaN].map((x) => fmt(x))).toEqual([
      '1100',
      '29.3',
      '1.5',
      '2',
      '0.00944',
      '5.96e-7',
      '—',
    ]);
  });

  it('takes the median and counts busy threads', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(busyThreads([0.9, 0.85, 0.06])).toBe(2);
    expect(busyThreads([0.95, 0.1])).toBe(1);
  });
});
